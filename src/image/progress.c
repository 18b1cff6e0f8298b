/* SPDX-License-Identifier: Apache-2.0 */
#include "image/progress.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "util/xalloc.h"

struct progress_item {
        char *label;
        int64_t total, done;
        char *status; /* NULL while running */
};

struct cell_progress {
        enum cell_progress_mode mode;
        FILE *out;
        struct progress_item *items;
        size_t n_items;
        size_t first_live; /* items before it are on screen above a message: left alone */
        size_t drawn;      /* lines of the last redraw, to move back over */
        int64_t last_ns;   /* time of the last redraw */
        int columns;       /* the terminal's width (live), or 0 */
};

static int64_t now_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

struct cell_progress *cell_progress_new(enum cell_progress_mode mode, FILE *out)
{
        struct cell_progress *p = xzalloc(sizeof(*p));
        p->out = out ? out : stderr;
        if (mode == CELL_PROGRESS_AUTO)
                mode = isatty(fileno(p->out)) ? CELL_PROGRESS_LIVE : CELL_PROGRESS_PLAIN;
        p->mode = mode;
        struct winsize ws;
        if (mode == CELL_PROGRESS_LIVE && ioctl(fileno(p->out), TIOCGWINSZ, &ws) == 0)
                p->columns = ws.ws_col;
        return p;
}

static void human(int64_t n, char *buf, size_t size)
{
        static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = (double)n;
        size_t u = 0;
        while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
                v /= 1024;
                u++;
        }
        snprintf(buf, size, u ? "%.1f%s" : "%.0f%s", v, units[u]);
}

/* One line, cut to the terminal's width: a line that wrapped would throw
 * the cursor-up count of the next redraw off. */
static void draw_item(struct cell_progress *p, const struct progress_item *it)
{
        char line[512], done[32], total[32];
        human(it->done, done, sizeof(done));
        if (it->status) {
                snprintf(line, sizeof(line), "%s %s", it->label, it->status);
        } else if (it->total <= 0) {
                snprintf(line, sizeof(line), "%s %s", it->label, done);
        } else {
                human(it->total, total, sizeof(total));
                int width = 30,
                    fill = (int)(width * (it->done > it->total ? it->total : it->done) / it->total);
                char bar[64];
                memset(bar, '=', (size_t)fill);
                if (fill < width)
                        bar[fill++] = '>';
                memset(bar + fill, ' ', (size_t)(width - fill));
                bar[width] = '\0';
                snprintf(line, sizeof(line), "%s [%s] %s / %s", it->label, bar, done, total);
        }
        fprintf(p->out, "\033[2K%.*s\n", p->columns > 1 ? p->columns - 1 : 511, line);
}

static void redraw(struct cell_progress *p, bool force)
{
        int64_t t = now_ns();
        if (!force && t - p->last_ns < 100000000)
                return;
        p->last_ns = t;
        if (p->drawn)
                fprintf(p->out, "\033[%zuA", p->drawn);
        for (size_t i = p->first_live; i < p->n_items; i++)
                draw_item(p, &p->items[i]);
        p->drawn = p->n_items - p->first_live;
        fflush(p->out);
}

size_t cell_progress_add(struct cell_progress *p, const char *label, int64_t total)
{
        p->items = xreallocarray(p->items, p->n_items + 1, sizeof(*p->items));
        p->items[p->n_items] = (struct progress_item){.label = xstrdup(label), .total = total};
        if (p->mode == CELL_PROGRESS_LIVE)
                redraw(p, true);
        return p->n_items++;
}

void cell_progress_update(struct cell_progress *p, size_t item, int64_t done)
{
        p->items[item].done = done;
        if (p->mode == CELL_PROGRESS_LIVE && item >= p->first_live)
                redraw(p, false);
}

void cell_progress_finish(struct cell_progress *p, size_t item, const char *status)
{
        struct progress_item *it = &p->items[item];
        free(it->status);
        it->status = xstrdup(status);
        if (p->mode == CELL_PROGRESS_LIVE) {
                if (item >= p->first_live)
                        redraw(p, true);
        } else if (p->mode == CELL_PROGRESS_PLAIN) {
                fprintf(p->out, "%s %s\n", it->label, status);
                fflush(p->out);
        }
}

void cell_progress_say(struct cell_progress *p, const char *fmt, ...)
{
        if (p->mode == CELL_PROGRESS_QUIET)
                return;
        /* Below the live lines, which then stay as they are. */
        p->drawn = 0;
        p->first_live = p->n_items;
        va_list ap;
        va_start(ap, fmt);
        vfprintf(p->out, fmt, ap);
        va_end(ap);
        fputc('\n', p->out);
        fflush(p->out);
}

void cell_progress_free(struct cell_progress *p)
{
        if (!p)
                return;
        for (size_t i = 0; i < p->n_items; i++) {
                free(p->items[i].label);
                free(p->items[i].status);
        }
        free(p->items);
        free(p);
}
