/* fdt-nodes.c: bootorder lines → device-tree node paths on ARM virt (libfdt). */
#include "fdt-nodes.h"

#include <libfdt.h>
#include <string.h>

#include "fwneg-error.h"

#define VIRTIO_MMIO_PREFIX "/virtio-mmio@"

static gboolean
dtb_check(GBytes *dtb, const char *dtb_name, GError **error)
{
    gsize size = 0;
    const void *blob = g_bytes_get_data(dtb, &size);

    if (size < sizeof(struct fdt_header) || fdt_check_header(blob) != 0 ||
        fdt_totalsize(blob) > size) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_HOST,
                    "%s: not a flattened device tree (bad header or truncated)", dtb_name);
        return FALSE;
    }
    return TRUE;
}

static char *
node_path(const void *blob, int offset)
{
    char path[512];

    if (fdt_get_path(blob, offset, path, sizeof(path)) != 0)
        return NULL;
    return g_strdup(path);
}

/* The first node with @compatible whose first reg address is @base (any base
 * when @match_base is FALSE). */
static char *
find_node(const void *blob, const char *compatible, gboolean match_base, guint64 base)
{
    int address_cells = fdt_address_cells(blob, 0);

    for (int offset = fdt_node_offset_by_compatible(blob, -1, compatible); offset >= 0;
         offset = fdt_node_offset_by_compatible(blob, offset, compatible)) {
        int len = 0;
        const fdt32_t *reg = fdt_getprop(blob, offset, "reg", &len);
        guint64 start = 0;

        if (!match_base)
            return node_path(blob, offset);
        if (reg == NULL || address_cells < 1 || address_cells > 2 ||
            len < (int)(address_cells * sizeof(fdt32_t)))
            continue;
        for (int i = 0; i < address_cells; i++)
            start = (start << 32) | fdt32_to_cpu(reg[i]);
        if (start == base)
            return node_path(blob, offset);
    }
    return NULL;
}

static gboolean
line_has_node(const char *line)
{
    return g_str_has_prefix(line, "/pci@") || g_str_has_prefix(line, VIRTIO_MMIO_PREFIX);
}

static guint64
virtio_mmio_base(const char *line)
{
    return g_ascii_strtoull(line + strlen(VIRTIO_MMIO_PREFIX), NULL, 16);
}

GPtrArray *
fwneg_fdt_boot_nodes(GPtrArray *bootorder, GBytes *dtb, const char *dtb_name, GError **error)
{
    g_autoptr(GPtrArray) nodes = g_ptr_array_new_with_free_func(g_free);
    const void *blob = NULL;

    if (dtb != NULL) {
        if (!dtb_check(dtb, dtb_name, error))
            return NULL;
        blob = g_bytes_get_data(dtb, NULL);
    }
    for (guint i = 0; i < bootorder->len; i++) {
        const char *line = g_ptr_array_index(bootorder, i);
        gboolean pci = g_str_has_prefix(line, "/pci@");
        char *node;

        if (!line_has_node(line))
            continue;
        if (blob == NULL && pci)
            node = g_strdup(FWNEG_VIRT_PCIE_NODE);
        else if (blob == NULL)
            node = g_strdup_printf("/virtio_mmio@%" G_GINT64_MODIFIER "x", virtio_mmio_base(line));
        else if (pci)
            node = find_node(blob, "pci-host-ecam-generic", FALSE, 0);
        else
            node = find_node(blob, "virtio,mmio", TRUE, virtio_mmio_base(line));
        if (node == NULL) {
            g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE,
                        "%s: no device-tree node for boot entry '%s' (expected a %s node); the "
                        "guest would not find its boot device",
                        dtb_name, line,
                        pci ? "compatible=\"pci-host-ecam-generic\""
                            : "compatible=\"virtio,mmio\" with that reg base");
            return NULL;
        }
        g_ptr_array_add(nodes, node);
    }
    return g_steal_pointer(&nodes);
}
