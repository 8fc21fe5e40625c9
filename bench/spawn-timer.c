/* spawn-timer: wall time of one program run with a file on its stdin, as libvirt
 * runs a hook (fork, exec, stdin from the XML, wait).  hyperfine 1.15 (Debian
 * 12) has no --input, and a shell redirect would add the shell's own start.
 *
 *   spawn-timer [-n RUNS] [-w WARMUP] FILE -- PROGRAM [ARGS…]
 *
 * Prints "median_us p90_us min_us cpu_median_us" over RUNS runs (stdout and
 * stderr of the program go to /dev/null); cpu is the user + system time of the
 * program and its children (wait4), which a loaded machine inflates far less
 * than wall time.  Exit 1 when a run fails to start or is killed.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double
now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int
compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double
run_once(const char *file, char **argv, double *cpu_us)
{
    int in = open(file, O_RDONLY | O_CLOEXEC);
    int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (in < 0 || null < 0)
        return -1;
    double start = now_us();
    pid_t pid = fork();
    if (pid == 0) {
        dup2(in, 0);
        dup2(null, 1);
        dup2(null, 2);
        execv(argv[0], argv);
        _exit(127);
    }
    int status = 0;
    struct rusage usage = {0};
    wait4(pid, &status, 0, &usage);
    double elapsed = now_us() - start;
    if (cpu_us != NULL)
        *cpu_us = usage.ru_utime.tv_sec * 1e6 + usage.ru_utime.tv_usec +
                  usage.ru_stime.tv_sec * 1e6 + usage.ru_stime.tv_usec;
    close(in);
    close(null);
    if (pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status) == 127)
        return -1;
    return elapsed;
}

int
main(int argc, char **argv)
{
    int runs = 100, warmup = 5, opt;
    while ((opt = getopt(argc, argv, "+n:w:")) != -1) {
        if (opt == 'n')
            runs = atoi(optarg);
        else if (opt == 'w')
            warmup = atoi(optarg);
        else
            return 2;
    }
    if (argc - optind < 3 || strcmp(argv[optind + 1], "--") != 0 || runs < 1) {
        fprintf(stderr, "usage: spawn-timer [-n RUNS] [-w WARMUP] FILE -- PROGRAM [ARGS…]\n");
        return 2;
    }
    const char *file = argv[optind];
    char **program = argv + optind + 2;
    double *times = calloc((size_t)runs, sizeof(double));
    double *cpu = calloc((size_t)runs, sizeof(double));
    for (int i = 0; i < warmup; i++)
        if (run_once(file, program, NULL) < 0)
            return 1;
    for (int i = 0; i < runs; i++)
        if ((times[i] = run_once(file, program, &cpu[i])) < 0)
            return 1;
    qsort(times, (size_t)runs, sizeof(double), compare);
    qsort(cpu, (size_t)runs, sizeof(double), compare);
    printf("%.1f %.1f %.1f %.1f\n", times[runs / 2], times[(runs * 9) / 10], times[0],
           cpu[runs / 2]);
    free(times);
    free(cpu);
    return 0;
}
