#include "fwneg-error.h"

G_DEFINE_QUARK(fwneg - error - quark, fwneg_error)

int
fwneg_error_exit_status(const GError *error)
{
    if (error == NULL)
        return 0;
    if (error->domain != FWNEG_ERROR)
        return 2; /* GFileError, GKeyFileError …: the input could not be read */
    switch ((FwnegErrorCode)error->code) {
    case FWNEG_ERROR_INVALID_INPUT:
    case FWNEG_ERROR_USAGE:
    case FWNEG_ERROR_PENDING:
        return 2;
    case FWNEG_ERROR_UNSATISFIABLE:
    case FWNEG_ERROR_HOST:
    case FWNEG_ERROR_IO:
        return 1;
    }
    return 1;
}
