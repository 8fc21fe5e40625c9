/* hook-entry-conf.c: the [hook] group of fwneg.conf, read with libc only.
 *
 * A deliberately small subset of GKeyFile's syntax: "[group]" lines, "key=value"
 * lines with surrounding blanks trimmed, '#' comments, blank lines.  Whatever
 * else appears inside [hook] (an unknown key, a localised key, an escape
 * sequence, a value it does not know) makes the entry uncertain, and then the
 * worker — which parses the file with GKeyFile (src/core/fwneg-options.c) —
 * decides and reports.  So this reader can only ever send more calls to the
 * worker than needed, never fewer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fwneg-config.h"
#include "hook-entry.h"

#define CONFIG_MAX_BYTES (1024 * 1024)
#define DEFAULT_TIMEOUT  20 /* FWNEG_HOOK_DEFAULT_TIMEOUT */
#define MAX_TIMEOUT      600

static char *
trim(char *s, char *end)
{
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
        end--;
    *end = '\0';
    return s;
}

static void
apply_key(HookEntryConfig *config, const char *key, const char *value)
{
    if (strchr(value, '\\') != NULL) {
        config->uncertain = true; /* GKeyFile escapes: leave them to GKeyFile */
        return;
    }
    if (strcmp(key, "manage") == 0) {
        if (strcmp(value, "recorded") == 0)
            config->manage = HOOK_MANAGE_RECORDED;
        else if (strcmp(value, "all") == 0)
            config->manage = HOOK_MANAGE_ALL;
        else if (strcmp(value, "none") == 0)
            config->manage = HOOK_MANAGE_NONE;
        else
            config->uncertain = true;
    } else if (strcmp(key, "timeout") == 0) {
        char *end = NULL;
        errno = 0;
        unsigned long seconds = strtoul(value, &end, 10);
        if (errno != 0 || end == value || *end != '\0' || value[0] == '-' || seconds < 1 ||
            seconds > MAX_TIMEOUT)
            config->uncertain = true;
        else
            config->timeout = (unsigned)seconds;
    } else if (strcmp(key, "log") == 0) {
        if (value[0] != '/' || strlen(value) >= sizeof(config->log))
            config->uncertain = true;
        else
            strcpy(config->log, value);
    } else {
        config->uncertain = true;
    }
}

static void
parse(HookEntryConfig *config, char *data, size_t len)
{
    bool in_hook = false;
    char *p = data, *end = data + len;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *line_end = nl ? nl : end;
        char *line = trim(p, line_end);
        p = nl ? nl + 1 : end;
        if (line[0] == '\0' || line[0] == '#')
            continue;
        if (line[0] == '[') {
            size_t n = strlen(line);
            in_hook = n >= 2 && line[n - 1] == ']' && strcmp(line, "[hook]") == 0;
            continue;
        }
        if (!in_hook)
            continue;
        char *eq = strchr(line, '=');
        if (eq == NULL) {
            config->uncertain = true;
            continue;
        }
        char *key = trim(line, eq);
        char *value = trim(eq + 1, eq + 1 + strlen(eq + 1));
        apply_key(config, key, value);
    }
}

void
hook_entry_read_config(HookEntryConfig *config)
{
    const char *env = getenv("FWNEG_CONFIG");
    const char *path = env != NULL && env[0] != '\0' ? env : FWNEG_SYSTEM_CONFIG_FILE;
    memset(config, 0, sizeof(*config));
    config->manage = HOOK_MANAGE_RECORDED;
    config->timeout = DEFAULT_TIMEOUT;

    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        /* The system file is optional; a file named explicitly must exist
         * (the worker says so). */
        if (errno != ENOENT || env != NULL)
            config->uncertain = true;
        return;
    }
    /* Sized by the file (a config is a few hundred bytes), bounded like GKeyFile's reader. */
    struct stat st;
    size_t cap = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size < CONFIG_MAX_BYTES
                     ? (size_t)st.st_size + 1
                     : CONFIG_MAX_BYTES + 1;
    char *data = malloc(cap);
    size_t len = 0;
    ssize_t n = 0;
    while (data != NULL && len < cap && (n = read(fd, data + len, cap - len)) > 0)
        len += (size_t)n;
    if (len == cap && cap <= CONFIG_MAX_BYTES)
        len = CONFIG_MAX_BYTES + 1; /* it grew while we read: not a file to trust */
    close(fd);
    if (data == NULL || n < 0 || len > CONFIG_MAX_BYTES || memchr(data, '\0', len) != NULL)
        config->uncertain = true;
    else
        parse(config, data, len);
    free(data);
}
