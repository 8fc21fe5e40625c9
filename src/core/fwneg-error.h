/* fwneg-error.h: the one error convention of the library layer.
 *
 * Every fallible library function takes a trailing GError **error and returns
 * FALSE / NULL on failure.  The code says which exit status a front end gives:
 * INVALID_INPUT, USAGE and PENDING map to exit 2, UNSATISFIABLE, HOST and IO to exit 1.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define FWNEG_ERROR (fwneg_error_quark())
GQuark fwneg_error_quark(void);

typedef enum {
    FWNEG_ERROR_INVALID_INPUT, /* malformed / unreadable / oversized input: exit 2 */
    FWNEG_ERROR_USAGE,         /* bad command line: exit 2 */
    FWNEG_ERROR_UNSATISFIABLE, /* valid input the host cannot satisfy: exit 1 */
    FWNEG_ERROR_HOST,          /* host problem: missing emulator, probe failed: exit 1 */
    FWNEG_ERROR_IO,            /* writing state failed: exit 1 */
    /* the answer depends on what libvirt assigns when the guest is defined
     * (addresses, implicit devices): plans mark that part pending; where a
     * front end cannot, exit 2 (the input is not the defined XML) */
    FWNEG_ERROR_PENDING,
} FwnegErrorCode;

/* Exit status a front end returns for @error (0 when @error is NULL). */
int fwneg_error_exit_status(const GError *error);

G_END_DECLS
