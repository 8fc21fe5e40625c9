/* empty-floor.c: the floor a front end is measured against — a program that does
 * nothing but is linked with the same libraries as the binary it stands for, so
 * its run time is what the dynamic loader, relocations and the libraries'
 * constructors cost before any fwneg code runs.
 *
 * bench/meson.build builds one floor per link set (FLOOR_WITH_* macros): the
 * link set of `fwneg` today, and the six libraries every front end linked
 * before the layout split (with gio and libsystemd) for comparison.  Debian
 * links with --as-needed, which would drop a library nothing refers to; taking
 * one symbol's address from each keeps every DT_NEEDED entry (bench/run checks
 * with readelf that a floor needs exactly what its binary needs).
 */
#include <glib.h>
#ifdef FLOOR_WITH_GIO
#include <gio/gio.h>
#endif
#ifdef FLOOR_WITH_JSONC
#include <json-c/json.h>
#endif
#ifdef FLOOR_WITH_FDT
#include <libfdt.h>
#endif
#ifdef FLOOR_WITH_XML
#include <libxml/parser.h>
#endif
#ifdef FLOOR_WITH_SYSTEMD
#include <systemd/sd-bus.h>
#endif

int
main(void)
{
    static const void *volatile keep[] = {
        (const void *)g_strdup,
#ifdef FLOOR_WITH_GIO
        (const void *)g_file_new_for_path,
#endif
#ifdef FLOOR_WITH_JSONC
        (const void *)json_object_new_object,
#endif
#ifdef FLOOR_WITH_XML
        (const void *)xmlReadMemory,
#endif
#ifdef FLOOR_WITH_SYSTEMD
        (const void *)sd_bus_open,
#endif
#ifdef FLOOR_WITH_FDT
        (const void *)fdt_check_header,
#endif
    };
    return keep[0] == NULL;
}
