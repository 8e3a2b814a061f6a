// SPDX-License-Identifier: GPL-2.0
/*
 * exec-bench: what binfmt_misc's table costs every exec, run as root inside a test guest
 * (harness/bench/job). Static, so that the exec it times is the one of an ordinary static binary.
 *
 *   exec-bench exec DIR ROUNDS EXECS TSC_MHZ   timed fork+exec+wait loops, a TSV row per batch
 *   exec-bench mem DIR ROUNDS                  memory charged per instance and per entry (cgroup2)
 *   exec-bench tsc                             (on the host) the TSC's rate in MHz
 *
 * DIR is a writable directory (tmpfs): the benchmark puts its programs there. Rows go to stdout,
 * progress lines to stderr. Every row: kind, entries, round, samples, value, value2.
 *   exec rows: value = median of the batch in microseconds per exec, value2 = mean.
 *   mem rows: value = bytes charged per instance or per entry (NA: not possible on this kernel),
 *             value2 = bytes charged in total over the batch.
 *
 * A copy of this program whose name starts with "nop" exits at once: it is the static binary
 * the loops exec, and the interpreter of the entry that matches.
 *
 * Configurations alternate inside each round, and even and odd rounds walk the table sizes in
 * opposite directions, so that a drift of the host's load spreads over all of them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BM_DIR "/proc/sys/fs/binfmt_misc"
#define ENTRY_LIMIT "/proc/sys/user/max_binfmt_misc_entries"
#define CGROUP_DIR "/sys/fs/cgroup"
#define NEST_DEPTH 32
#define NS_ENTRIES 40

static const int table_sizes[] = { 40, 1000, 10000 };
#define NSIZES ((int)(sizeof(table_sizes) / sizeof(table_sizes[0])))
/* Entries of as many distinct shapes: offsets 0 to 124, sizes 8 down to 1. */
#define NSHAPES 1000
#define SHAPE_OFFSETS 125

static char dir[200], nop[256], matched[256], absent[256];
static unsigned char nop_head[256];	/* the first bytes of nop */
static char saved_limit[64];

static void die(const char *fmt, ...)
{
	va_list ap;
	int err = errno;

	fprintf(stderr, "exec-bench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, err ? ": %s\n" : "\n", strerror(err));
	exit(1);
}

static void progress(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "bench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/*
 * The timer: CLOCK_MONOTONIC, unless the guest's clock source is jiffies. make bench runs QEMU
 * with -icount shift=0: the guest's TSC, and with it CLOCK_MONOTONIC, then advance 1 ns per
 * guest instruction, whatever else the host is doing. Without -icount these guests have no clock
 * source better than jiffies (no ACPI, so no HPET, and TSC calibration fails under TCG):
 * CLOCK_MONOTONIC steps by 4 ms, longer than one exec, and loses ticks when the host is busy;
 * then samples are TSC ticks (TCG reads the host's, at a constant rate) converted with the
 * rate `exec-bench tsc` measured on the host.
 */
static double ticks_per_us = 1000;
static int use_tsc;

static unsigned long long ticks(void)
{
	unsigned int lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (unsigned long long)hi << 32 | lo;
}

/* clock_us: the benchmark's time in microseconds */
static double clock_us(void)
{
	return use_tsc ? ticks() / ticks_per_us : now_us();
}

static void choose_timer(double tsc_mhz)
{
	char cs[64] = "";
	int fd = open("/sys/devices/system/clocksource/clocksource0/current_clocksource", O_RDONLY);

	if (fd >= 0 && read(fd, cs, sizeof(cs) - 1) < 0)
		cs[0] = '\0';
	if (fd >= 0)
		close(fd);
	cs[strcspn(cs, "\n")] = '\0';
	use_tsc = !cs[0] || strstr(cs, "jiffies");
	ticks_per_us = tsc_mhz;
	if (use_tsc)
		progress("timer: TSC at the host's %.1f MHz (clock source '%s' is too coarse)", tsc_mhz, cs);
	else
		progress("timer: CLOCK_MONOTONIC (clock source '%s')", cs);
}

static int cmd_tsc(void)
{
	unsigned long long c0 = ticks();
	double t0 = now_us(), t1;

	while ((t1 = now_us()) - t0 < 500000)
		;
	printf("%.3f\n", (ticks() - c0) / (t1 - t0));
	return 0;
}

/* write_file: write S to PATH; returns 0 or -errno (the caller decides whether that is fatal). */
static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static long read_long(const char *path)
{
	char buf[64] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || read(fd, buf, sizeof(buf) - 1) < 0)
		die("read %s", path);
	close(fd);
	return atol(buf);
}

/*
 * The entries. A qemu-like entry is Debian's qemu-user-static line for a 64-bit little-endian
 * ELF of another machine: the first 20 bytes of the ELF header with qemu's mask, e_machine
 * (bytes 18, 19) told apart. x86-64 is 0x3e: the low byte skips it, so no entry matches a host
 * binary, and every entry agrees with one up to byte 18. An extension entry names an extension
 * the benchmark's binaries do not have. A shape entry (kind 's') is a magic entry of a
 * (offset, size) of its own, the bytes of nop there with the first one flipped: it matches
 * nothing the benchmark runs, and a compare with it stops at its first byte.
 */
static void entry_line(char *buf, size_t len, char kind, int i, const char *interp)
{
	int lo = i % 255, hi = i / 255;

	if (lo >= 0x3e)
		lo++;
	if (kind == 's') {
		int off = i % SHAPE_OFFSETS, size = 8 - i / SHAPE_OFFSETS, j, n;

		n = snprintf(buf, len, ":bench-s%05d:M:%d:", i, off);
		for (j = 0; j < size; j++)
			n += snprintf(buf + n, len - n, "\\x%02x", nop_head[off + j] ^ (j ? 0 : 0xff));
		snprintf(buf + n, len - n, "::%s:", interp);
	} else if (kind == 'm') {
		snprintf(buf, len, ":bench-m%05d:M::"
			 "\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00"
			 "\\x02\\x00\\x%02x\\x%02x:"
			 "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff"
			 "\\xfe\\xff\\xff\\xff:%s:", i, lo, hi, interp);
	} else {
		snprintf(buf, len, ":bench-e%05d:E::x%05d::%s:", i, i, interp);
	}
}

/*
 * add_entries: entries FROM..TO-1 of KIND into the table whose register file is REG. Their
 * interpreter does not exist: should one match after all, the exec fails and so does the run.
 */
static void add_entries(const char *reg, char kind, int from, int to)
{
	char line[512];
	int fd = open(reg, O_WRONLY | O_CLOEXEC), i;
	double t0 = clock_us();

	if (fd < 0)
		die("open %s", reg);
	for (i = from; i < to; i++) {
		entry_line(line, sizeof(line), kind, i, absent);
		if (write(fd, line, strlen(line)) < 0)
			die("register entry %d of kind %c (%s)", i, kind, line);
	}
	close(fd);
	if (to - from >= 1000)
		progress("registered %d entries in %.0f ms", to - from, (clock_us() - t0) / 1e3);
}

static void remove_entries(char kind, int from, int to)
{
	char path[128];
	int i;

	double t0 = clock_us();

	for (i = from; i < to; i++) {
		snprintf(path, sizeof(path), BM_DIR "/bench-%c%05d", kind, i);
		if (write_file(path, "-1") < 0)
			die("remove %s", path);
	}
	if (to - from >= 1000)
		progress("removed %d entries in %.0f ms", to - from, (clock_us() - t0) / 1e3);
}

static void clear_table(void)
{
	errno = 0;
	if (write_file(BM_DIR "/status", "-1") < 0)
		die("clear " BM_DIR);
}

/* The entry limit that the series may have: raised for the big tables, put back after. */
static void raise_limit(void)
{
	int fd = open(ENTRY_LIMIT, O_RDONLY | O_CLOEXEC);
	static int told;
	ssize_t n;

	if (fd < 0)
		return;
	n = read(fd, saved_limit, sizeof(saved_limit) - 1);
	close(fd);
	saved_limit[n > 0 ? n : 0] = '\0';
	if (write_file(ENTRY_LIMIT, "1000000") < 0)
		die("raise " ENTRY_LIMIT);
	if (!told++)
		progress("raised " ENTRY_LIMIT " from %.*s to 1000000 while the big tables exist",
			 (int)strcspn(saved_limit, "\n"), saved_limit);
}

static void restore_limit(void)
{
	if (saved_limit[0] && write_file(ENTRY_LIMIT, saved_limit) < 0)
		die("restore " ENTRY_LIMIT);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* time_execs: N times fork, exec PATH with ARGV, wait; per-exec times (us) into T. */
static void time_execs(const char *path, char *const argv[], int n, double *t)
{
	static char *const envp[] = { NULL };
	int i, status;

	for (i = 0; i < n; i++) {
		double t0 = clock_us();
		pid_t pid = fork();

		if (pid < 0)
			die("fork");
		if (pid == 0) {
			execve(path, argv, envp);
			_exit(127);
		}
		if (waitpid(pid, &status, 0) != pid)
			die("waitpid");
		t[i] = clock_us() - t0;
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			errno = 0;
			die("exec of %s failed (wait status 0x%x)", path, status);
		}
	}
}

static double *samples;
static int nexec;

static void report(const char *kind, int entries, int round, double *t, int n)
{
	double sum = 0, median;
	int i;

	for (i = 0; i < n; i++)
		sum += t[i];
	qsort(t, n, sizeof(*t), cmp_double);
	median = n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
	printf("%s\t%d\t%d\t%d\t%.2f\t%.2f\n", kind, entries, round, n, median, sum / n);
	fflush(stdout);
	progress("round %d: %-6s %5d entries: %8.1f us/exec (median of %d)", round, kind, entries,
		 median, n);
}

/* One batch of the plain exec: a static binary no entry matches. */
static void batch_plain(const char *kind, int entries, int round)
{
	char *const argv[] = { nop, NULL };

	time_execs(nop, argv, nexec, samples);
	report(kind, entries, round, samples, nexec);
}

/* A table of one KIND through all sizes, ascending (empty first) or descending (empty last). */
static void table_phase(char kind, int round, int ascending)
{
	const char *name = kind == 'm' ? "magic" : "ext";
	int s, have;

	raise_limit();
	if (ascending) {
		batch_plain("empty", 0, round);
		for (s = 0, have = 0; s < NSIZES; have = table_sizes[s++]) {
			add_entries(BM_DIR "/register", kind, have, table_sizes[s]);
			batch_plain(name, table_sizes[s], round);
		}
	} else {
		add_entries(BM_DIR "/register", kind, 0, table_sizes[NSIZES - 1]);
		for (s = NSIZES - 1; s >= 0; s--) {
			batch_plain(name, table_sizes[s], round);
			remove_entries(kind, s ? table_sizes[s - 1] : 0, table_sizes[s]);
		}
		batch_plain("empty", 0, round);
	}
	clear_table();
	restore_limit();
}

/*
 * A table of NSHAPES entries of distinct shapes: the lookup cannot share work between them. Also
 * shows how long clearing them takes (progress line only).
 */
static void shapes_phase(int round)
{
	double t0;

	add_entries(BM_DIR "/register", 's', 0, NSHAPES);
	batch_plain("shapes", NSHAPES, round);
	t0 = clock_us();
	clear_table();
	progress("cleared %d entries of distinct shapes in %.0f ms", NSHAPES, (clock_us() - t0) / 1e3);
}

/* Exec through a matching extension entry against the interpreter run directly, same argv. */
static void match_phase(int round)
{
	char line[512];
	char *const direct_argv[] = { nop, matched, NULL };
	char *const match_argv[] = { matched, NULL };
	int i;

	snprintf(line, sizeof(line), ":bench-match:E::bmx::%s:", nop);
	if (write_file(BM_DIR "/register", line) < 0)
		die("register %s", line);
	for (i = 0; i < 2; i++) {
		if ((i + round) % 2 == 0) {
			time_execs(nop, direct_argv, nexec, samples);
			report("direct", 1, round, samples, nexec);
		} else {
			time_execs(matched, match_argv, nexec, samples);
			report("match", 1, round, samples, nexec);
		}
	}
	clear_table();
}

/*
 * The plain exec from DEPTH nested user namespaces that have no binfmt_misc instance of their
 * own (none is mounted below the initial one): the lookup falls back to the initial namespace's
 * table. Runs in a child, which sends the samples back through a pipe.
 */
static void batch_nested(int depth, int round)
{
	char *const argv[] = { nop, NULL };
	char kind[16];
	int p[2], i, status;
	size_t want = nexec * sizeof(double), got = 0;
	pid_t pid;

	if (pipe(p))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(p[0]);
		/* each level maps root to its parent's: a namespace without a mapping cannot nest */
		for (i = 0; i < depth; i++)
			if (unshare(CLONE_NEWUSER) || write_file("/proc/self/setgroups", "deny") < 0 ||
			    write_file("/proc/self/uid_map", "0 0 1") < 0 ||
			    write_file("/proc/self/gid_map", "0 0 1") < 0)
				die("user namespace at depth %d", i + 1);
		time_execs(nop, argv, nexec, samples);
		if (write(p[1], samples, want) != (ssize_t)want)
			die("write samples");
		_exit(0);
	}
	close(p[1]);
	while (got < want) {
		ssize_t n = read(p[0], (char *)samples + got, want - got);

		if (n <= 0)
			break;
		got += n;
	}
	close(p[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) || got != want) {
		errno = 0;
		die("nested exec child (depth %d) failed", depth);
	}
	snprintf(kind, sizeof(kind), "ns%d", depth);
	report(kind, NS_ENTRIES, round, samples, nexec);
}

static void nested_phase(int round)
{
	add_entries(BM_DIR "/register", 'm', 0, NS_ENTRIES);
	if (round % 2) {
		batch_nested(NEST_DEPTH, round);
		batch_nested(0, round);
	} else {
		batch_nested(0, round);
		batch_nested(NEST_DEPTH, round);
	}
	clear_table();
}

/* copy_self: this program, as DST (mode 0755). */
static void copy_self(const char *dst)
{
	char buf[65536];
	int in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC), out;
	ssize_t n;

	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (in < 0 || out < 0)
		die("copy to %s", dst);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			die("write %s", dst);
	close(in);
	close(out);
}

static void setup_dir(const char *d)
{
	int fd;

	snprintf(dir, sizeof(dir), "%s", d);
	snprintf(nop, sizeof(nop), "%s/nop.elf", dir);
	snprintf(matched, sizeof(matched), "%s/file.bmx", dir);
	snprintf(absent, sizeof(absent), "%s/qemu-absent-static", dir);
	if (mkdir(dir, 0755) && errno != EEXIST)
		die("mkdir %s", dir);
	copy_self(nop);
	fd = open(nop, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, nop_head, sizeof(nop_head)) != sizeof(nop_head))
		die("read %s", nop);
	close(fd);
	fd = open(matched, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (fd < 0 || write(fd, "bench\n", 6) != 6)
		die("create %s", matched);
	close(fd);
}

static int cmd_exec(int rounds)
{
	int r;
	double t0 = clock_us();

	if (access(BM_DIR "/register", W_OK))
		die(BM_DIR " is not mounted or not writable");
	clear_table();
	samples = calloc(nexec, sizeof(*samples));
	if (!samples)
		die("calloc");
	for (r = 1; r <= rounds; r++) {
		progress("round %d/%d (%.1f s so far)", r, rounds, (clock_us() - t0) / 1e6);
		table_phase(r % 2 ? 'm' : 'e', r, r % 2);
		table_phase(r % 2 ? 'e' : 'm', r, r % 2);
		match_phase(r);
		shapes_phase(r);
		nested_phase(r);
	}
	progress("exec rounds done in %.1f s", (clock_us() - t0) / 1e6);
	return 0;
}

/*
 * Memory. Children in the cgroup bench-mem each unshare a user and a mount namespace; the parent
 * (outside the cgroup) reads memory.current before and after they mount a fresh instance, and
 * before and after one of them registers entries in its instance.
 *
 * memory.current counts pages a CPU has charged ahead for later allocations (the per-CPU stock,
 * up to 64 pages), and kmem charges keep sub-page remainders per CPU. Before each reading, a
 * process in another cgroup allocates on every CPU: a CPU's stock serves one cgroup at a time,
 * so that hands ours back and the reading counts what is really allocated.
 */
#define MEM_INSTANCES 64
#define MEM_ENTRIES 4000

static char cg_mem[128], cg_drain[128];

static void cgroup_setup(void)
{
	if (access(CGROUP_DIR "/cgroup.controllers", F_OK) &&
	    mount("cgroup2", CGROUP_DIR, "cgroup2", 0, NULL))
		die("mount cgroup2 on " CGROUP_DIR);
	if (write_file(CGROUP_DIR "/cgroup.subtree_control", "+memory") < 0)
		die("enable the memory controller in " CGROUP_DIR);
	snprintf(cg_mem, sizeof(cg_mem), CGROUP_DIR "/bench-mem");
	snprintf(cg_drain, sizeof(cg_drain), CGROUP_DIR "/bench-drain");
	if ((mkdir(cg_mem, 0755) && errno != EEXIST) || (mkdir(cg_drain, 0755) && errno != EEXIST))
		die("mkdir in " CGROUP_DIR);
}

static void join_cgroup(const char *cg)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	if (write_file(path, "0") < 0)
		die("join %s", cg);
}

static void drain_stocks(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN), c;

	for (c = 0; c < cpus; c++) {
		pid_t pid = fork();
		int status, p[2];

		if (pid < 0)
			die("fork");
		if (pid == 0) {
			cpu_set_t set;
			char *page;

			CPU_ZERO(&set);
			CPU_SET(c, &set);
			if (sched_setaffinity(0, sizeof(set), &set))
				die("sched_setaffinity %ld", c);
			join_cgroup(cg_drain);
			/* a page charge (stock) and a kmem object charge (obj stock) */
			page = malloc(1 << 20);
			if (!page || pipe(p))
				die("drain allocations");
			memset(page, 1, 1 << 20);
			_exit(0);
		}
		if (waitpid(pid, &status, 0) != pid || status)
			die("drain child on cpu %ld", c);
	}
}

static long mem_current(void)
{
	char path[160];

	drain_stocks();
	snprintf(path, sizeof(path), "%s/memory.current", cg_mem);
	return read_long(path);
}

/* A child's side: each step waits for a byte from the parent and answers with one. */
static int step_wait(int fd)
{
	char c;

	return read(fd, &c, 1) == 1 ? c : -1;
}

static void step_answer(int fd, char c)
{
	if (write(fd, &c, 1) != 1)
		_exit(1);
}

/* child_mem: join the cgroup, own a user and mount namespace, then mount ('m') or register ('r'). */
static void child_mem(int in, int out, const char *mnt)
{
	char reg[320];
	int c;

	join_cgroup(cg_mem);
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) ||
	    write_file("/proc/self/setgroups", "deny") < 0 ||
	    write_file("/proc/self/uid_map", "0 0 1") < 0 ||
	    write_file("/proc/self/gid_map", "0 0 1") < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		die("child: user and mount namespace");
	step_answer(out, 'R');
	while ((c = step_wait(in)) > 0) {
		if (c == 'm') {
			step_answer(out, mount("binfmt_misc", mnt, "binfmt_misc", 0, NULL) ? 'E' : 'M');
		} else if (c == 'r') {
			snprintf(reg, sizeof(reg), "%s/register", mnt);
			add_entries(reg, 'm', 0, MEM_ENTRIES);
			step_answer(out, 'D');
		}
	}
	_exit(0);
}

static void mem_row(const char *kind, int count, int round, long delta, int ok)
{
	if (ok) {
		printf("%s\t%d\t%d\t%d\t%.0f\t%ld\n", kind, count, round, count, (double)delta / count, delta);
		progress("round %d: %s: %ld bytes over %d: %.0f bytes each", round, kind, delta, count,
			 (double)delta / count);
	} else {
		printf("%s\t%d\t%d\t%d\tNA\tNA\n", kind, count, round, count);
		progress("round %d: %s: n/a (no binfmt_misc mount in a user namespace)", round, kind);
	}
	fflush(stdout);
}

static void mem_round(int round)
{
	int in[MEM_INSTANCES][2], out[MEM_INSTANCES][2], i, ok = 1;
	pid_t pids[MEM_INSTANCES];
	char mnt[256];
	long a, b = 0;

	snprintf(mnt, sizeof(mnt), "%s/mnt", dir);
	if (mkdir(mnt, 0755) && errno != EEXIST)
		die("mkdir %s", mnt);
	for (i = 0; i < MEM_INSTANCES; i++) {
		if (pipe(in[i]) || pipe(out[i]))
			die("pipe");
		pids[i] = fork();
		if (pids[i] < 0)
			die("fork");
		if (pids[i] == 0) {
			close(in[i][1]);
			close(out[i][0]);
			child_mem(in[i][0], out[i][1], mnt);
		}
		close(in[i][0]);
		close(out[i][1]);
		if (step_wait(out[i][0]) != 'R') {
			errno = 0;
			die("memory child %d did not start", i);
		}
	}
	a = mem_current();
	for (i = 0; i < MEM_INSTANCES; i++)
		step_answer(in[i][1], 'm');
	for (i = 0; i < MEM_INSTANCES; i++)
		if (step_wait(out[i][0]) != 'M')
			ok = 0;
	b = mem_current();
	mem_row("mem-instance", MEM_INSTANCES, round, b - a, ok);
	if (ok) {
		raise_limit();
		a = mem_current();
		step_answer(in[0][1], 'r');
		if (step_wait(out[0][0]) != 'D') {
			errno = 0;
			die("memory child 0 could not register %d entries", MEM_ENTRIES);
		}
		b = mem_current();
		restore_limit();
	}
	mem_row("mem-entry", MEM_ENTRIES, round, b - a, ok);
	/* each child holds copies of the pipes of those forked before it: close all, then wait */
	for (i = 0; i < MEM_INSTANCES; i++) {
		close(in[i][1]);
		close(out[i][0]);
	}
	for (i = 0; i < MEM_INSTANCES; i++)
		waitpid(pids[i], NULL, 0);
}

static int cmd_mem(int rounds)
{
	int r;

	cgroup_setup();
	for (r = 1; r <= rounds; r++)
		mem_round(r);
	return 0;
}

int main(int argc, char **argv)
{
	const char *self = strrchr(argv[0], '/');

	self = self ? self + 1 : argv[0];
	if (!strncmp(self, "nop", 3))
		_exit(0);
	if (argc == 2 && !strcmp(argv[1], "tsc"))
		return cmd_tsc();
	if (argc >= 6 && !strcmp(argv[1], "exec")) {
		nexec = atoi(argv[4]);
		if (nexec < 1 || atof(argv[5]) <= 0)
			die("EXECS and TSC_MHZ must be positive");
		choose_timer(atof(argv[5]));
		setup_dir(argv[2]);
		return cmd_exec(atoi(argv[3]));
	}
	if (argc >= 4 && !strcmp(argv[1], "mem")) {
		setup_dir(argv[2]);
		return cmd_mem(atoi(argv[3]));
	}
	fprintf(stderr, "usage: %s exec DIR ROUNDS EXECS TSC_MHZ | mem DIR ROUNDS | tsc\n", argv[0]);
	return 2;
}
