/* hook-entry.h: the libc-only entry point of fwneg-hook (hook-entry.c,
 * hook-entry-conf.c).
 *
 * libvirt runs every qemu.d hook on every guest's start, stop, save, restore
 * and migration, guests fwneg does not manage included.  Loading fwneg's
 * libraries (GLib, libxml2 and ICU, json-c, libfdt) costs more than deciding
 * from the XML text that there is nothing to do, so this entry links only libc:
 * it reads the config's [hook] group and the XML, and only when there is work
 * does it start the worker (fwneg-hook-worker, linked with the engine) and
 * supervise it: bounded time, stdout passed on only where libvirt reads it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    HOOK_MANAGE_RECORDED = 0,
    HOOK_MANAGE_ALL,
    HOOK_MANAGE_NONE,
} HookManage;

/* What the entry understood of the config's [hook] group. */
typedef struct {
    HookManage manage;
    unsigned timeout; /* seconds */
    char log[4096];   /* "" = no log */
    /* Something the entry does not parse (an unknown key or value, an escape,
     * an unreadable file): it then hands every call to the worker, which reads
     * the file with GKeyFile and says what is wrong. */
    bool uncertain;
} HookEntryConfig;

/* Fill @config from the file FWNEG_CONFIG names, else the system config. */
void hook_entry_read_config(HookEntryConfig *config);
