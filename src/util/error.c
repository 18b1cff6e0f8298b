/* SPDX-License-Identifier: Apache-2.0 */
#include "util/error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/*
 * glibc's texts, which are also Go's (so runc's and crun's): clients match on
 * them ("no such file or directory", "permission denied"), and a musl build
 * must say the same.
 */
static const char *const errno_text[] = {
        [EPERM] = "Operation not permitted",
        [ENOENT] = "No such file or directory",
        [ESRCH] = "No such process",
        [EINTR] = "Interrupted system call",
        [EIO] = "Input/output error",
        [ENXIO] = "No such device or address",
        [E2BIG] = "Argument list too long",
        [ENOEXEC] = "Exec format error",
        [EBADF] = "Bad file descriptor",
        [ECHILD] = "No child processes",
        [EAGAIN] = "Resource temporarily unavailable",
        [ENOMEM] = "Cannot allocate memory",
        [EACCES] = "Permission denied",
        [EFAULT] = "Bad address",
        [ENOTBLK] = "Block device required",
        [EBUSY] = "Device or resource busy",
        [EEXIST] = "File exists",
        [EXDEV] = "Invalid cross-device link",
        [ENODEV] = "No such device",
        [ENOTDIR] = "Not a directory",
        [EISDIR] = "Is a directory",
        [EINVAL] = "Invalid argument",
        [ENFILE] = "Too many open files in system",
        [EMFILE] = "Too many open files",
        [ENOTTY] = "Inappropriate ioctl for device",
        [ETXTBSY] = "Text file busy",
        [EFBIG] = "File too large",
        [ENOSPC] = "No space left on device",
        [ESPIPE] = "Illegal seek",
        [EROFS] = "Read-only file system",
        [EMLINK] = "Too many links",
        [EPIPE] = "Broken pipe",
        [EDOM] = "Numerical argument out of domain",
        [ERANGE] = "Numerical result out of range",
        [EDEADLK] = "Resource deadlock avoided",
        [ENAMETOOLONG] = "File name too long",
        [ENOLCK] = "No locks available",
        [ENOSYS] = "Function not implemented",
        [ENOTEMPTY] = "Directory not empty",
        [ELOOP] = "Too many levels of symbolic links",
        [ENOMSG] = "No message of desired type",
        [EIDRM] = "Identifier removed",
        [ECHRNG] = "Channel number out of range",
        [EL2NSYNC] = "Level 2 not synchronized",
        [EL3HLT] = "Level 3 halted",
        [EL3RST] = "Level 3 reset",
        [ELNRNG] = "Link number out of range",
        [EUNATCH] = "Protocol driver not attached",
        [ENOCSI] = "No CSI structure available",
        [EL2HLT] = "Level 2 halted",
        [EBADE] = "Invalid exchange",
        [EBADR] = "Invalid request descriptor",
        [EXFULL] = "Exchange full",
        [ENOANO] = "No anode",
        [EBADRQC] = "Invalid request code",
        [EBADSLT] = "Invalid slot",
        [EBFONT] = "Bad font file format",
        [ENOSTR] = "Device not a stream",
        [ENODATA] = "No data available",
        [ETIME] = "Timer expired",
        [ENOSR] = "Out of streams resources",
        [ENONET] = "Machine is not on the network",
        [ENOPKG] = "Package not installed",
        [EREMOTE] = "Object is remote",
        [ENOLINK] = "Link has been severed",
        [EADV] = "Advertise error",
        [ESRMNT] = "Srmount error",
        [ECOMM] = "Communication error on send",
        [EPROTO] = "Protocol error",
        [EMULTIHOP] = "Multihop attempted",
        [EDOTDOT] = "RFS specific error",
        [EBADMSG] = "Bad message",
        [EOVERFLOW] = "Value too large for defined data type",
        [ENOTUNIQ] = "Name not unique on network",
        [EBADFD] = "File descriptor in bad state",
        [EREMCHG] = "Remote address changed",
        [ELIBACC] = "Can not access a needed shared library",
        [ELIBBAD] = "Accessing a corrupted shared library",
        [ELIBSCN] = ".lib section in a.out corrupted",
        [ELIBMAX] = "Attempting to link in too many shared libraries",
        [ELIBEXEC] = "Cannot exec a shared library directly",
        [EILSEQ] = "Invalid or incomplete multibyte or wide character",
        [ERESTART] = "Interrupted system call should be restarted",
        [ESTRPIPE] = "Streams pipe error",
        [EUSERS] = "Too many users",
        [ENOTSOCK] = "Socket operation on non-socket",
        [EDESTADDRREQ] = "Destination address required",
        [EMSGSIZE] = "Message too long",
        [EPROTOTYPE] = "Protocol wrong type for socket",
        [ENOPROTOOPT] = "Protocol not available",
        [EPROTONOSUPPORT] = "Protocol not supported",
        [ESOCKTNOSUPPORT] = "Socket type not supported",
        [EOPNOTSUPP] = "Operation not supported",
        [EPFNOSUPPORT] = "Protocol family not supported",
        [EAFNOSUPPORT] = "Address family not supported by protocol",
        [EADDRINUSE] = "Address already in use",
        [EADDRNOTAVAIL] = "Cannot assign requested address",
        [ENETDOWN] = "Network is down",
        [ENETUNREACH] = "Network is unreachable",
        [ENETRESET] = "Network dropped connection on reset",
        [ECONNABORTED] = "Software caused connection abort",
        [ECONNRESET] = "Connection reset by peer",
        [ENOBUFS] = "No buffer space available",
        [EISCONN] = "Transport endpoint is already connected",
        [ENOTCONN] = "Transport endpoint is not connected",
        [ESHUTDOWN] = "Cannot send after transport endpoint shutdown",
        [ETOOMANYREFS] = "Too many references: cannot splice",
        [ETIMEDOUT] = "Connection timed out",
        [ECONNREFUSED] = "Connection refused",
        [EHOSTDOWN] = "Host is down",
        [EHOSTUNREACH] = "No route to host",
        [EALREADY] = "Operation already in progress",
        [EINPROGRESS] = "Operation now in progress",
        [ESTALE] = "Stale file handle",
        [EUCLEAN] = "Structure needs cleaning",
        [ENOTNAM] = "Not a XENIX named type file",
        [ENAVAIL] = "No XENIX semaphores available",
        [EISNAM] = "Is a named type file",
        [EREMOTEIO] = "Remote I/O error",
        [EDQUOT] = "Disk quota exceeded",
        [ENOMEDIUM] = "No medium found",
        [EMEDIUMTYPE] = "Wrong medium type",
        [ECANCELED] = "Operation canceled",
        [ENOKEY] = "Required key not available",
        [EKEYEXPIRED] = "Key has expired",
        [EKEYREVOKED] = "Key has been revoked",
        [EKEYREJECTED] = "Key was rejected by service",
        [EOWNERDEAD] = "Owner died",
        [ENOTRECOVERABLE] = "State not recoverable",
        [ERFKILL] = "Operation not possible due to RF-kill",
        [EHWPOISON] = "Memory page has hardware error",
};

const char *cell_strerror(int errnum)
{
        if (errnum > 0 && (size_t)errnum < sizeof(errno_text) / sizeof(errno_text[0]) &&
            errno_text[errnum])
                return errno_text[errnum];
        static char unknown[32];
        snprintf(unknown, sizeof(unknown), "Unknown error %d", errnum);
        return unknown;
}

void cell_error_clear(struct cell_error *err)
{
        if (!err)
                return;
        err->errnum = 0;
        err->msg[0] = '\0';
}

static int error_vset(struct cell_error *err, int errnum, const char *fmt, va_list ap)
{
        if (!err)
                return -1;
        int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        if (n < 0)
                n = 0;
        if ((size_t)n >= sizeof(err->msg))
                n = sizeof(err->msg) - 1;
        if (errnum)
                snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, ": %s", cell_strerror(errnum));
        err->errnum = errnum;
        return -1;
}

int cell_error_set(struct cell_error *err, int errnum, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        error_vset(err, errnum, fmt, ap);
        va_end(ap);
        return -1;
}

int cell_error_errno(struct cell_error *err, const char *fmt, ...)
{
        int saved = errno;
        va_list ap;
        va_start(ap, fmt);
        error_vset(err, saved, fmt, ap);
        va_end(ap);
        errno = saved;
        return -1;
}

int cell_error_prefix(struct cell_error *err, const char *fmt, ...)
{
        if (!err)
                return -1;
        char prefix[CELL_ERROR_MSG_MAX];
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(prefix, sizeof(prefix), fmt, ap);
        va_end(ap);
        if (n < 0)
                return -1;
        size_t plen = strlen(prefix);
        size_t mlen = strlen(err->msg);
        if (plen + 2 + mlen >= sizeof(err->msg)) {
                if (plen + 2 >= sizeof(err->msg))
                        return -1;
                mlen = sizeof(err->msg) - plen - 3;
        }
        memmove(err->msg + plen + 2, err->msg, mlen);
        err->msg[plen + 2 + mlen] = '\0';
        memcpy(err->msg, prefix, plen);
        err->msg[plen] = ':';
        err->msg[plen + 1] = ' ';
        return -1;
}

int cell_error_is_set(const struct cell_error *err)
{
        return err && (err->msg[0] != '\0' || err->errnum != 0);
}
