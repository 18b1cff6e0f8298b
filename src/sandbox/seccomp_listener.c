/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Handing the seccomp user-notification fd to linux.seccomp.listenerPath,
 * as the runtime-spec "seccomp state" describes.
 */
#include "sandbox/seccomp.h"

#include <json-c/json.h>
#include <string.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/socket.h"
#include "util/xalloc.h"

/* The runtime-spec version whose seccomp-state layout this follows. */
#define SECCOMP_STATE_OCI_VERSION "1.2.0"

int cell_seccomp_state_json(const char *container_state_json, pid_t pid, const char *metadata,
                            char **out, struct cell_error *err)
{
        *out = NULL;
        json_object *state = json_tokener_parse(container_state_json);
        if (!state || !json_object_is_type(state, json_type_object)) {
                json_object_put(state);
                return cell_error_set(err, EINVAL,
                                      "seccomp state: container state is not a "
                                      "JSON object");
        }
        json_object *root = json_object_new_object();
        json_object *fds = json_object_new_array();
        json_object_array_add(fds, json_object_new_string("seccompFd"));
        json_object_object_add(root, "ociVersion",
                               json_object_new_string(SECCOMP_STATE_OCI_VERSION));
        json_object_object_add(root, "fds", fds);
        json_object_object_add(root, "pid", json_object_new_int64(pid));
        if (metadata && metadata[0])
                json_object_object_add(root, "metadata", json_object_new_string(metadata));
        json_object_object_add(root, "state", state);
        *out = xstrdup(json_object_to_json_string_ext(
                root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(root);
        return 0;
}

/*
 * One sendmsg carries the whole JSON and the fd, as runc does (listeners
 * such as seccomp-agent read one message).  A listener that is not there
 * is a connect error (ENOENT/ECONNREFUSED), never a wait.
 */
int cell_seccomp_connect_listener(const char *listener_path, struct cell_error *err)
{
        int sock = cell_socket_connect_unix(listener_path, err);
        /* runc's words, which clients match on. */
        if (sock < 0)
                return cell_error_prefix(err,
                                         "failed to connect with seccomp agent specified in the "
                                         "seccomp profile (linux.seccomp.listenerPath)");
        return sock;
}

int cell_seccomp_send_listener(const char *listener_path, const char *state_json, int notify_fd,
                               struct cell_error *err)
{
        _cleanup_close_ int sock = cell_seccomp_connect_listener(listener_path, err);
        if (sock < 0)
                return -1;
        if (cell_socket_send_fd(sock, notify_fd, state_json, strlen(state_json), err) < 0)
                return cell_error_prefix(err, "linux.seccomp.listenerPath: send to %s",
                                         listener_path);
        return 0;
}
