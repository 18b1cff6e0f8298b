/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What this host charges for the kernel entries a container start is made
 * of, so that figures taken on different VMs can be told apart: one system
 * call, one anonymous page fault, one page mapped by
 * madvise(MADV_POPULATE_WRITE) and the first touch of such a page (a VM
 * with shadow page tables charges that too).  Built and run by
 * bench/hostcost.sh; medians of several rounds, in microseconds.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define PAGES 256
#define ROUNDS 15

static double now_us(void)
{
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;
        return (x > y) - (x < y);
}

static char *fresh(void)
{
        char *p = mmap(NULL, PAGES * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                       -1, 0);
        if (p == MAP_FAILED) {
                perror("mmap");
                exit(1);
        }
        return p;
}

static void touch(char *p)
{
        for (int i = 0; i < PAGES; i++)
                ((volatile char *)p)[i * 4096] = 1;
}

int main(void)
{
        double sys[ROUNDS], fault[ROUNDS], pop[ROUNDS], after[ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
                double t0 = now_us();
                for (int i = 0; i < 10000; i++)
                        syscall(SYS_getppid);
                sys[r] = (now_us() - t0) / 10000;

                char *p = fresh();
                t0 = now_us();
                touch(p);
                fault[r] = (now_us() - t0) / PAGES;
                munmap(p, PAGES * 4096);

                p = fresh();
                t0 = now_us();
                if (madvise(p, PAGES * 4096, MADV_POPULATE_WRITE) < 0) {
                        perror("madvise(MADV_POPULATE_WRITE)");
                        return 1;
                }
                double t1 = now_us();
                touch(p);
                pop[r] = (t1 - t0) / PAGES;
                after[r] = (now_us() - t1) / PAGES;
                munmap(p, PAGES * 4096);
        }
        qsort(sys, ROUNDS, sizeof(double), cmp);
        qsort(fault, ROUNDS, sizeof(double), cmp);
        qsort(pop, ROUNDS, sizeof(double), cmp);
        qsort(after, ROUNDS, sizeof(double), cmp);
        printf("system call (getppid)            %7.3f us\n", sys[ROUNDS / 2]);
        printf("anonymous page fault (write)     %7.3f us\n", fault[ROUNDS / 2]);
        printf("page by MADV_POPULATE_WRITE      %7.3f us\n", pop[ROUNDS / 2]);
        printf("first touch of a populated page  %7.3f us\n", after[ROUNDS / 2]);
        return 0;
}
