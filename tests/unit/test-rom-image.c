/* test-rom-image.c: option ROM files — layout checks, read errors (bad input
 * never crashes: each gives its reason), hashing and the sha256 cache. */
#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fwneg-error.h"
#include "rom-devices.h"
#include "rom-image.h"
#include "rom-store.h"
#include "test-util.h"

/* A one-image ROM of @size bytes whose PCIR says @declared bytes. */
static guint8 *
make_rom(gsize size, gsize declared)
{
    guint8 *rom = g_malloc0(size);
    rom[0] = 0x55;
    rom[1] = 0xAA;
    rom[2] = (guint8)MIN(declared / 512, 255);
    rom[0x18] = 0x1C;
    memcpy(rom + 0x1C, "PCIR", 4);
    rom[0x1C + 0x10] = (declared / 512) & 0xff;
    rom[0x1C + 0x11] = (declared / 512) >> 8;
    rom[0x1C + 0x15] = 0x80;
    for (gsize i = 0x40; i < size; i++)
        rom[i] = (guint8)(i * 7);
    return rom;
}

static void
test_layout_ok(void)
{
    g_autofree guint8 *rom = make_rom(4096, 4096);
    g_autofree char *reason = NULL;
    g_assert_true(fwneg_rom_image_check(rom, 4096, &reason));
    g_assert_null(reason);
}

static void
test_layout_no_signature(void)
{
    g_autofree guint8 *rom = make_rom(4096, 4096);
    g_autofree char *reason = NULL;
    rom[0] = 0x7f; /* an ELF file, say */
    g_assert_false(fwneg_rom_image_check(rom, 4096, &reason));
    g_assert_cmpstr(reason, ==, "not a PCI option ROM: no 0x55AA signature at offset 0");
}

static void
test_layout_truncated(void)
{
    /* declares 8 KiB, the file has 5 KiB */
    g_autofree guint8 *rom = make_rom(5120, 8192);
    g_autofree char *reason = NULL;
    g_assert_false(fwneg_rom_image_check(rom, 5120, &reason));
    g_assert_cmpstr(reason, ==,
                    "truncated: image 0 at offset 0 declares 8192 bytes but the file ends "
                    "after 5120");
}

static void
test_layout_chain(void)
{
    /* two images; the second's signature is damaged */
    g_autofree guint8 *rom = make_rom(8192, 4096);
    g_autofree char *reason = NULL;
    rom[0x1C + 0x15] = 0x00; /* not the last image */
    memcpy(rom + 4096, rom, 4096);
    rom[4096 + 0x1C + 0x15] = 0x80;
    g_assert_true(fwneg_rom_image_check(rom, 8192, &reason));
    rom[4097] = 0x00;
    g_assert_false(fwneg_rom_image_check(rom, 8192, &reason));
    g_assert_cmpstr(reason, ==, "image 1 at offset 4096 has no 0x55AA signature");
}

static void
test_read_hash_and_layout_error(void)
{
    g_autofree char *dir = fwneg_test_make_tmp_dir("rom-image-XXXXXX");
    g_autofree guint8 *rom = make_rom(4096, 8192);
    g_autofree char *path = fwneg_test_write_file(dir, "bad.rom", rom, 4096);
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegRomImage) image = fwneg_rom_image_read(path, path, FALSE, &error);
    g_autofree char *expected = g_compute_checksum_for_data(G_CHECKSUM_SHA256, rom, 4096);

    g_assert_no_error(error);
    g_assert_cmpint(image->file_size, ==, 4096);
    g_assert_cmpstr(image->sha256, ==, expected);
    g_assert_nonnull(image->layout_error);
    g_assert_true(g_str_has_prefix(image->layout_error, "truncated:"));
}

static void
expect_read_error(const char *path, const char *needle)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegRomImage) image = fwneg_rom_image_read(path, path, FALSE, &error);
    g_assert_null(image);
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT);
    g_assert_nonnull(strstr(error->message, path));
    if (strstr(error->message, needle) == NULL)
        g_error("'%s' not in '%s'", needle, error->message);
}

static void
test_read_errors(void)
{
    g_autofree char *dir = fwneg_test_make_tmp_dir("rom-image-XXXXXX");
    g_autofree char *loop_a = g_build_filename(dir, "loop-a.rom", NULL);
    g_autofree char *loop_b = g_build_filename(dir, "loop-b.rom", NULL);
    g_autofree char *missing = g_build_filename(dir, "missing.rom", NULL);
    g_autofree char *subdir = g_build_filename(dir, "a-directory.rom", NULL);
    g_autofree char *empty = fwneg_test_write_file(dir, "empty.rom", "", 0);

    g_assert_cmpint(symlink(loop_b, loop_a), ==, 0);
    g_assert_cmpint(symlink(loop_a, loop_b), ==, 0);
    g_assert_cmpint(g_mkdir(subdir, 0755), ==, 0);
    expect_read_error(loop_a, "symlink loop");
    expect_read_error(missing, "No such file or directory");
    expect_read_error(subdir, "not a regular file");
    expect_read_error(empty, "empty");
}

static void
test_read_unreadable(void)
{
    g_autofree char *dir = fwneg_test_make_tmp_dir("rom-image-XXXXXX");
    g_autofree guint8 *rom = make_rom(4096, 4096);
    g_autofree char *path = fwneg_test_write_file(dir, "secret.rom", rom, 4096);

    g_assert_cmpint(chmod(path, 0), ==, 0);
    if (geteuid() == 0 && access(path, R_OK) == 0) {
        g_test_skip("root reads mode-0 files; the unreadable case needs an unprivileged user");
        return;
    }
    expect_read_error(path, "Permission denied");
}

static void
test_bucket(void)
{
    g_assert_cmpint(fwneg_rom_bucket(249856), ==, 262144);
    g_assert_cmpint(fwneg_rom_bucket(262144), ==, 262144);
    g_assert_cmpint(fwneg_rom_bucket(262145), ==, 524288);
    g_assert_cmpint(fwneg_rom_bucket(75264), ==, 131072);
    g_assert_cmpint(fwneg_rom_bucket(39936), ==, 65536);
}

static void
test_hash_cache(void)
{
    g_autofree char *dir = fwneg_test_make_tmp_dir("rom-cache-XXXXXX");
    g_autofree guint8 *rom = make_rom(4096, 4096);
    g_autofree char *path = fwneg_test_write_file(dir, "a.rom", rom, 4096);
    g_autofree char *cache_file = g_build_filename(dir, "cache", "rom-sha256.json", NULL);
    g_autoptr(GError) error = NULL;

    {
        g_autoptr(FwnegRomHashCache) cache = fwneg_rom_hash_cache_new(cache_file);
        g_autoptr(FwnegRomImage) first = fwneg_rom_image_read_cached(cache, path, path, &error);
        g_assert_no_error(error);
        g_autoptr(FwnegRomImage) second = fwneg_rom_image_read_cached(cache, path, path, &error);
        g_assert_no_error(error);
        g_assert_cmpstr(first->sha256, ==, second->sha256);
        g_assert_cmpuint(fwneg_rom_hash_cache_misses(cache), ==, 1);
        fwneg_rom_hash_cache_save(cache);
    }
    {
        /* a new process: the saved cache answers without hashing */
        g_autoptr(FwnegRomHashCache) cache = fwneg_rom_hash_cache_new(cache_file);
        g_autoptr(FwnegRomImage) image = fwneg_rom_image_read_cached(cache, path, path, &error);
        g_assert_no_error(error);
        g_assert_cmpuint(fwneg_rom_hash_cache_misses(cache), ==, 0);
        g_assert_null(image->layout_error);
    }
    {
        /* changed content (size and mtime change): hashed again, new value */
        g_autofree guint8 *other = make_rom(8192, 8192);
        g_assert_true(g_file_set_contents(path, (const char *)other, 8192, NULL));
        g_autoptr(FwnegRomHashCache) cache = fwneg_rom_hash_cache_new(cache_file);
        g_autoptr(FwnegRomImage) image = fwneg_rom_image_read_cached(cache, path, path, &error);
        g_autofree char *expected = g_compute_checksum_for_data(G_CHECKSUM_SHA256, other, 8192);
        g_assert_no_error(error);
        g_assert_cmpuint(fwneg_rom_hash_cache_misses(cache), ==, 1);
        g_assert_cmpstr(image->sha256, ==, expected);
    }
}

static void
test_store_put(void)
{
    g_autofree char *dir = fwneg_test_make_tmp_dir("rom-store-XXXXXX");
    g_autofree guint8 *rom = make_rom(4096, 4096);
    g_autofree char *path = fwneg_test_write_file(dir, "efi-e1000.rom", rom, 4096);
    g_autofree char *state = g_build_filename(dir, "state", NULL);
    g_autofree char *sha = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *expected = g_compute_checksum_for_data(G_CHECKSUM_SHA256, rom, 4096);
    g_autofree char *stored = fwneg_rom_store_put(state, path, NULL, &sha, &error);
    g_autofree char *contents = NULL;
    gsize len = 0;

    g_assert_no_error(error);
    g_assert_cmpstr(sha, ==, expected);
    g_assert_true(g_str_has_suffix(stored, expected));
    g_assert_true(g_file_get_contents(stored, &contents, &len, NULL));
    g_assert_cmpmem(contents, len, rom, 4096);
    g_autofree char *found = fwneg_rom_store_lookup(state, expected);
    g_assert_cmpstr(found, ==, stored);

    /* the file changed since planning: refused */
    g_autofree char *again = fwneg_rom_store_put(
        state, path, "0000000000000000000000000000000000000000000000000000000000000000", NULL,
        &error);
    g_assert_null(again);
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_IO);
    g_assert_nonnull(strstr(error->message, "changed since it was planned"));
}

static void
test_region_names(void)
{
    struct {
        const char *model, *ramblock_name;
    } cases[] = {
        {"virtio", "virtio-net-pci.rom"},
        {"virtio-transitional", "virtio-net-pci-transitional.rom"},
        /* 32-byte name buffer: ".rom" does not fit */
        {"virtio-non-transitional", "virtio-net-pci-non-transitional"},
        {"ne2k_pci", "ne2000.rom"},
        {"e1000-82545em", "e1000.rom"},
        {"i82559er", "i82559er.rom"},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        const FwnegRomDevice *dev = fwneg_rom_nic_device(cases[i].model, "x86_64", "pc-q35-7.2");
        g_autofree char *name = fwneg_rom_region_name(dev);
        g_assert_cmpstr(name, ==, cases[i].ramblock_name);
    }
    /* libvirt's default model: rtl8139 on x86, virtio on ARM virt */
    g_assert_cmpstr(fwneg_rom_nic_device(NULL, "x86_64", "pc-q35-7.2")->qemu_type, ==, "rtl8139");
    g_assert_cmpstr(fwneg_rom_nic_device(NULL, "aarch64", "virt-7.2")->qemu_type, ==,
                    "virtio-net-pci");
    g_assert_null(fwneg_rom_nic_device("usb-net", "x86_64", "pc-q35-7.2"));
}

static void
test_compat_rules(void)
{
    const FwnegRomDevice *virtio = fwneg_rom_nic_device("virtio", "x86_64", NULL);
    const FwnegRomDevice *vmxnet3 = fwneg_rom_nic_device("vmxnet3", "x86_64", NULL);
    g_assert_cmpstr(fwneg_rom_qemu_default_file(virtio, "pc-i440fx-1.4"), ==, "pxe-virtio.rom");
    g_assert_cmpstr(fwneg_rom_qemu_default_file(virtio, "pc-i440fx-1.5"), ==, "efi-virtio.rom");
    g_assert_null(fwneg_rom_qemu_default_file(vmxnet3, "pc-q35-2.6"));
    g_assert_cmpstr(fwneg_rom_qemu_default_file(vmxnet3, "pc-q35-2.7"), ==, "efi-vmxnet3.rom");
    g_assert_cmpstr(fwneg_rom_qemu_default_file(vmxnet3, "virt-2.6"), ==, "efi-vmxnet3.rom");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/rom-image/layout/ok", test_layout_ok);
    g_test_add_func("/rom-image/layout/no-signature", test_layout_no_signature);
    g_test_add_func("/rom-image/layout/truncated", test_layout_truncated);
    g_test_add_func("/rom-image/layout/chain", test_layout_chain);
    g_test_add_func("/rom-image/read/hash-and-layout-error", test_read_hash_and_layout_error);
    g_test_add_func("/rom-image/read/errors", test_read_errors);
    g_test_add_func("/rom-image/read/unreadable", test_read_unreadable);
    g_test_add_func("/rom-image/bucket", test_bucket);
    g_test_add_func("/rom-image/hash-cache", test_hash_cache);
    g_test_add_func("/rom-image/store/put", test_store_put);
    g_test_add_func("/rom-devices/region-names", test_region_names);
    g_test_add_func("/rom-devices/compat-rules", test_compat_rules);
    return g_test_run();
}
