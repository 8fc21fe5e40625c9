/* empty-floor.c: the floor `fwneg plan` is measured against — a program that
 * does nothing but is linked with the same libraries fwneg's front ends use
 * (glib, gio, json-c, libxml2, libsystemd, libfdt), so its run time is what the
 * dynamic loader, relocations and the libraries' constructors cost before any
 * fwneg code runs.
 *
 * Debian links with --as-needed, which would drop a library nothing refers to;
 * taking one symbol's address from each keeps every DT_NEEDED entry (bench/run
 * checks with ldd that all six are loaded).
 */
#include <gio/gio.h>
#include <glib.h>
#include <json-c/json.h>
#include <libfdt.h>
#include <libxml/parser.h>
#include <systemd/sd-bus.h>

int
main(void)
{
    static const void *volatile keep[] = {
        (const void *)g_strdup,
        (const void *)g_file_new_for_path,
        (const void *)json_object_new_object,
        (const void *)xmlReadMemory,
        (const void *)sd_bus_open,
        (const void *)fdt_check_header,
    };
    return keep[0] == NULL;
}
