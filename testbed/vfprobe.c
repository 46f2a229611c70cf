/*
 * vfprobe: the testbed guest's network probe and failover-topology watcher.
 *
 * Runs as the last stage of the guest's /init and writes machine-readable lines to stdout (the serial
 * console, ttyS0, which the host keeps in one append-mode log file across migrations):
 *
 *   VFPROBE start t=<ms> target=<ip> interval_ms=<n> report_ms=<n> timeout_ms=<n>
 *   VFPROBE netdevs t=<ms> master=<if|none> addr=<a.b.c.d/len|none> slaves=<standby,primary|...|none>
 *           standby=<if>/<operstate>|none primary=<if>/<operstate>|none
 *   VFPROBE ready t=<ms> master=<if> addr=<a.b.c.d/len>
 *   VFPROBE report n=<k> t=<ms> sent=<n> recv=<n> lost=<n> late=<n> maxgap_ms=<n>
 *           total_sent=<n> total_recv=<n> total_lost=<n>
 *   VFPROBE error t=<ms> msg=<text without spaces>
 *
 * (each line is a single line; wrapped here for reading). All times come from CLOCK_MONOTONIC in the guest,
 * in ms since boot, so they never jump with the wall clock. The guest clock does not advance while the VM
 * is paused (the stop-and-copy phase of a migration): a pause shows as a missing interval on the host side,
 * not as a gap here.
 *
 * Probe: one ICMP echo request to the target (QEMU user-mode gateway 10.0.2.2, which answers itself) every
 * 10 ms over a raw socket that is not bound to any interface, so it survives slaves coming and going and
 * a live migration. Once a second a report line covers the interval since the previous one:
 *   sent/recv  echo requests sent / replies received in the interval
 *   lost       requests sent earlier that got no reply within timeout_ms, declared in this interval
 *   late       replies that arrived after timeout_ms (their request was already counted as lost)
 *   maxgap_ms  the longest time without any reply that ended in the interval or is still running at the
 *              report; a gap is measured from the previous reply, so a blackout spanning several reports
 *              shows its full length in the report where it ends (and growing values before that). The
 *              blackout over a window is therefore the max of maxgap_ms over its reports.
 *
 * Topology: every 100 ms the probe scans /sys/class/net. The failover master is the netdev the others name
 * in their `master` link (with several, the lowest-named one: the guest's /init reports the others); a slave whose device is bound to virtio_net is the standby, any other slave is the
 * primary (the e1000e standing in for the VF). A netdevs line is printed whenever that picture changes
 * (names, address, slaves, slave operstate).
 *
 * Usage: vfprobe [TARGET [PLAIN_IF]]. PLAIN_IF: a guest without a failover team, whose address is on that
 * interface (the netdevs and ready lines then say master=none with its address).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define INTERVAL_MS 10
#define REPORT_MS 1000
#define TOPOLOGY_MS 100
#define TIMEOUT_MS 1000
#define SEQ_SLOTS 65536 /* indexed by the 16-bit ICMP sequence number */
#define RESOLVED (-1)   /* replied, or never sent */
#define LOST (-2)       /* no reply within TIMEOUT_MS */

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One write(2) per line so kernel console output can't split our lines. */
static void emit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void emit(const char *fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if (n > (int)sizeof buf - 2) n = (int)sizeof buf - 2;
    buf[n++] = '\n';
    ssize_t off = 0;
    while (off < n) {
        ssize_t w = write(STDOUT_FILENO, buf + off, (size_t)(n - off));
        if (w < 0) {
            if (errno == EINTR) continue;
            return;
        }
        off += w;
    }
}

/* ---------------------------------------------------------------- topology */

struct topology {
    char master[IFNAMSIZ + 1];
    char addr[INET_ADDRSTRLEN + 4];
    char standby[IFNAMSIZ + 1], standby_state[16];
    char primary[IFNAMSIZ + 1], primary_state[16];
};

static int read_link_base(const char *path, char *out, size_t len) {
    char target[PATH_MAX];
    ssize_t n = readlink(path, target, sizeof target - 1);
    if (n < 0) return -1;
    target[n] = '\0';
    const char *base = strrchr(target, '/');
    snprintf(out, len, "%s", base ? base + 1 : target);
    return 0;
}

static void read_operstate(const char *ifname, char *out, size_t len) {
    char path[PATH_MAX];
    snprintf(path, sizeof path, "/sys/class/net/%s/operstate", ifname);
    FILE *f = fopen(path, "r");
    snprintf(out, len, "unknown");
    if (!f) return;
    if (fgets(out, (int)len, f)) out[strcspn(out, "\n")] = '\0';
    fclose(f);
}

static void master_addr(const char *ifname, char *out, size_t len) {
    struct ifaddrs *ifa_list, *ifa;
    snprintf(out, len, "none");
    if (getifaddrs(&ifa_list) < 0) return;
    for (ifa = ifa_list; ifa; ifa = ifa->ifa_next) {
        if (!ifa->ifa_addr || ifa->ifa_addr->sa_family != AF_INET || strcmp(ifa->ifa_name, ifname) != 0)
            continue;
        char ip[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &((struct sockaddr_in *)ifa->ifa_addr)->sin_addr, ip, sizeof ip);
        uint32_t mask = ifa->ifa_netmask ? ntohl(((struct sockaddr_in *)ifa->ifa_netmask)->sin_addr.s_addr) : 0;
        snprintf(out, len, "%s/%d", ip, __builtin_popcount(mask));
        break;
    }
    freeifaddrs(ifa_list);
}

/* A plain guest (vfm.pairs=0) has no failover master: its one NIC, named by argv[2], holds the address. */
static const char *plain_if;

static void scan_topology(struct topology *t) {
    memset(t, 0, sizeof *t);
    snprintf(t->master, sizeof t->master, "none");
    snprintf(t->addr, sizeof t->addr, "none");
    snprintf(t->standby, sizeof t->standby, "none");
    snprintf(t->primary, sizeof t->primary, "none");
    DIR *d = opendir("/sys/class/net");
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char path[PATH_MAX], master[IFNAMSIZ + 1], driver[64];
        snprintf(path, sizeof path, "/sys/class/net/%s/master", e->d_name);
        if (read_link_base(path, master, sizeof master) < 0) continue; /* not a slave */
        /* A guest with several teams (vfm.pairs=2): follow the lowest-named master, the one /init addressed. */
        int order = strcmp(t->master, "none") == 0 ? -1 : strcmp(master, t->master);
        if (order > 0) continue;
        if (order < 0) {
            snprintf(t->master, sizeof t->master, "%s", master);
            snprintf(t->standby, sizeof t->standby, "none");
            snprintf(t->primary, sizeof t->primary, "none");
        }
        snprintf(path, sizeof path, "/sys/class/net/%s/device/driver", e->d_name);
        if (read_link_base(path, driver, sizeof driver) < 0) driver[0] = '\0';
        if (strcmp(driver, "virtio_net") == 0) {
            snprintf(t->standby, sizeof t->standby, "%s", e->d_name);
            read_operstate(e->d_name, t->standby_state, sizeof t->standby_state);
        } else {
            snprintf(t->primary, sizeof t->primary, "%s", e->d_name);
            read_operstate(e->d_name, t->primary_state, sizeof t->primary_state);
        }
    }
    closedir(d);
    if (strcmp(t->master, "none") != 0) master_addr(t->master, t->addr, sizeof t->addr);
    else if (plain_if) master_addr(plain_if, t->addr, sizeof t->addr);
}

static void print_topology(int64_t t_ms, const struct topology *t) {
    char slaves[32], standby[48], primary[48];
    int has_s = strcmp(t->standby, "none") != 0, has_p = strcmp(t->primary, "none") != 0;
    snprintf(slaves, sizeof slaves, "%s", has_s && has_p ? "standby,primary" : has_s ? "standby" : has_p ? "primary" : "none");
    if (has_s) snprintf(standby, sizeof standby, "%s/%s", t->standby, t->standby_state);
    else snprintf(standby, sizeof standby, "none");
    if (has_p) snprintf(primary, sizeof primary, "%s/%s", t->primary, t->primary_state);
    else snprintf(primary, sizeof primary, "none");
    emit("VFPROBE netdevs t=%lld master=%s addr=%s slaves=%s standby=%s primary=%s", (long long)t_ms, t->master,
         t->addr, slaves, standby, primary);
}

/* ---------------------------------------------------------------- ICMP */

static uint16_t checksum(const void *data, size_t len) {
    const uint16_t *p = data;
    uint32_t sum = 0;
    for (; len > 1; len -= 2) sum += *p++;
    if (len) sum += *(const uint8_t *)p;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

struct probe_state {
    int64_t sent_at[SEQ_SLOTS]; /* send time of an outstanding seq, else RESOLVED or LOST */
    uint32_t next_seq;          /* 32-bit running counter; the wire carries the low 16 bits */
    uint32_t oldest;            /* oldest seq that may still be outstanding */
    uint64_t sent, recv, lost, late;
    uint64_t total_sent, total_recv, total_lost;
    int64_t last_reply;  /* time of the previous reply (or probe start) */
    int64_t period_gap;  /* longest finished gap in this period */
};

static void send_probe(int sock, const struct sockaddr_in *dst, uint16_t ident, struct probe_state *s, int64_t t) {
    struct {
        struct icmphdr h;
        int64_t t;
    } pkt;
    memset(&pkt, 0, sizeof pkt);
    pkt.h.type = ICMP_ECHO;
    pkt.h.un.echo.id = htons(ident);
    pkt.h.un.echo.sequence = htons((uint16_t)s->next_seq);
    pkt.t = t;
    pkt.h.checksum = checksum(&pkt, sizeof pkt);
    s->sent_at[(uint16_t)s->next_seq] = t;
    s->next_seq++;
    s->sent++;
    s->total_sent++;
    /* A send error (no route while the master has no slave with carrier) is just a probe that will be lost. */
    (void)sendto(sock, &pkt, sizeof pkt, 0, (const struct sockaddr *)dst, sizeof *dst);
}

static void receive_replies(int sock, uint16_t ident, struct probe_state *s, int64_t t) {
    for (;;) {
        uint8_t buf[1500];
        ssize_t n = recv(sock, buf, sizeof buf, MSG_DONTWAIT);
        if (n < 0) return;
        const struct iphdr *ip = (const struct iphdr *)buf;
        size_t hl = (size_t)ip->ihl * 4;
        if ((size_t)n < hl + sizeof(struct icmphdr)) continue;
        const struct icmphdr *h = (const struct icmphdr *)(buf + hl);
        if (h->type != ICMP_ECHOREPLY || ntohs(h->un.echo.id) != ident) continue;
        uint16_t seq16 = ntohs(h->un.echo.sequence);
        /* Map the wire seq back to the running counter: the newest seq with these low 16 bits. */
        if (s->sent_at[seq16] == LOST) {
            s->late++; /* already declared lost: count it, don't resurrect it */
            s->sent_at[seq16] = RESOLVED;
            continue;
        }
        if (s->sent_at[seq16] < 0) continue; /* duplicate, or not ours */
        s->sent_at[seq16] = RESOLVED;
        s->recv++;
        s->total_recv++;
        int64_t gap = t - s->last_reply;
        if (gap > s->period_gap) s->period_gap = gap;
        s->last_reply = t;
    }
}

/* Resolve the outstanding window: replied seqs are skipped, those older than the timeout are lost. */
static void expire(struct probe_state *s, int64_t t) {
    while (s->oldest != s->next_seq) {
        uint16_t i = (uint16_t)s->oldest;
        if (s->sent_at[i] >= 0) {
            if (t - s->sent_at[i] < TIMEOUT_MS) break;
            s->sent_at[i] = LOST;
            s->lost++;
            s->total_lost++;
        }
        s->oldest++;
    }
}

/*
 * `vfprobe --dirty MIB_PER_S`: a busy guest for the convergence tests. Writes one byte into every 4 KiB
 * page of a DIRTY_BUFFER_MIB buffer, cycling through it at MIB_PER_S, so each pre-copy pass finds that
 * much memory dirty again; with the migration bandwidth capped below it, the migration cannot converge.
 * Reports what it achieved every REPORT_MS (a paused or throttled guest dirties less: auto-converge shows).
 */
#define DIRTY_BUFFER_MIB 96
#define DIRTY_TICK_MS 10
#define PAGE 4096

static int dirty_main(const char *arg) {
    char *end = NULL;
    long mibps = strtol(arg, &end, 10);
    if (!end || *end != '\0' || mibps < 1 || mibps > 100000) {
        emit("VFPROBE error t=%lld msg=bad-dirty-rate:%s", (long long)now_ms(), arg);
        return 2;
    }
    size_t size = (size_t)DIRTY_BUFFER_MIB << 20;
    unsigned char *buf = malloc(size);
    if (!buf) {
        emit("VFPROBE error t=%lld msg=dirty-buffer:%s", (long long)now_ms(), strerror(errno));
        return 1;
    }
    size_t pages = size / PAGE, next = 0;
    /* Pages per tick, at least one: MiB/s × 256 pages per MiB × the tick in seconds. */
    uint64_t per_tick = (uint64_t)mibps * 256 * DIRTY_TICK_MS / 1000;
    if (per_tick == 0) per_tick = 1;
    uint64_t dirtied = 0;
    unsigned char stamp = 0;
    int64_t start = now_ms(), next_tick = start, next_report = start + REPORT_MS, last_report = start;
    emit("VFPROBE dirty t=%lld mibps=%ld buffer_mib=%d", (long long)start, mibps, DIRTY_BUFFER_MIB);
    for (;;) {
        int64_t t = now_ms();
        if (t >= next_tick) {
            stamp++;
            for (uint64_t i = 0; i < per_tick; i++) {
                buf[next * PAGE] = stamp;
                next = (next + 1) % pages;
            }
            dirtied += per_tick;
            next_tick += DIRTY_TICK_MS;
            /* Behind after a pause: carry on from now rather than catching up in a burst. */
            if (next_tick < t) next_tick = t + DIRTY_TICK_MS;
        }
        if (t >= next_report) {
            emit("VFPROBE dirty-report t=%lld achieved_mibps=%lld", (long long)t, (long long)(dirtied * 1000 / 256 / (uint64_t)(t - last_report + 1)));
            dirtied = 0;
            last_report = t;
            next_report += REPORT_MS;
            if (next_report <= t) next_report = t + REPORT_MS;
        }
        int64_t wait = (next_tick < next_report ? next_tick : next_report) - now_ms();
        if (wait > 0) {
            struct timespec ts = { .tv_sec = wait / 1000, .tv_nsec = (wait % 1000) * 1000000L };
            nanosleep(&ts, NULL);
        }
    }
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 2 && strcmp(argv[1], "--dirty") == 0) return dirty_main(argv[2]);
    const char *target = argc > 1 ? argv[1] : "10.0.2.2";
    plain_if = argc > 2 ? argv[2] : NULL;

    struct sockaddr_in dst = { .sin_family = AF_INET };
    if (inet_pton(AF_INET, target, &dst.sin_addr) != 1) {
        emit("VFPROBE error t=%lld msg=bad-target:%s", (long long)now_ms(), target);
        return 2;
    }
    int sock = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
    if (sock < 0) {
        emit("VFPROBE error t=%lld msg=raw-socket:%s", (long long)now_ms(), strerror(errno));
        return 1;
    }
    /* Only echo replies reach us (the filter is a mask of ICMP types to drop). */
    uint32_t filter = ~(1U << ICMP_ECHOREPLY);
    (void)setsockopt(sock, SOL_RAW, 1 /* ICMP_FILTER */, &filter, sizeof filter);
    uint16_t ident = (uint16_t)getpid();

    static struct probe_state s;
    for (size_t i = 0; i < SEQ_SLOTS; i++) s.sent_at[i] = RESOLVED;
    int64_t start = now_ms();
    s.last_reply = start;
    emit("VFPROBE start t=%lld target=%s interval_ms=%d report_ms=%d timeout_ms=%d", (long long)start, target,
         INTERVAL_MS, REPORT_MS, TIMEOUT_MS);

    struct topology topo, seen;
    memset(&seen, 0, sizeof seen);
    int ready = 0;
    uint64_t report_no = 0;
    int64_t next_send = start, next_report = start + REPORT_MS, next_topo = start;

    for (;;) {
        int64_t t = now_ms();
        if (t >= next_topo) {
            scan_topology(&topo);
            if (memcmp(&topo, &seen, sizeof topo) != 0) {
                print_topology(t, &topo);
                seen = topo;
            }
            next_topo = t + TOPOLOGY_MS;
        }
        if (t >= next_send) {
            send_probe(sock, &dst, ident, &s, t);
            next_send += INTERVAL_MS;
            /* After a long stall (guest paused, vCPU starved) don't burst: resume the cadence from now. */
            if (next_send < t) next_send = t + INTERVAL_MS;
        }
        if (t >= next_report) {
            expire(&s, t);
            int64_t ongoing = t - s.last_reply;
            int64_t maxgap = s.period_gap > ongoing ? s.period_gap : ongoing;
            emit("VFPROBE report n=%llu t=%lld sent=%llu recv=%llu lost=%llu late=%llu maxgap_ms=%lld "
                 "total_sent=%llu total_recv=%llu total_lost=%llu",
                 (unsigned long long)++report_no, (long long)t, (unsigned long long)s.sent,
                 (unsigned long long)s.recv, (unsigned long long)s.lost, (unsigned long long)s.late,
                 (long long)maxgap, (unsigned long long)s.total_sent, (unsigned long long)s.total_recv,
                 (unsigned long long)s.total_lost);
            s.sent = s.recv = s.lost = s.late = 0;
            s.period_gap = 0;
            next_report += REPORT_MS;
            if (next_report <= t) next_report = t + REPORT_MS;
        }

        int64_t wake = next_send < next_report ? next_send : next_report;
        if (next_topo < wake) wake = next_topo;
        int64_t wait = wake - now_ms();
        struct pollfd pfd = { .fd = sock, .events = POLLIN };
        int r = poll(&pfd, 1, wait > 0 ? (int)wait : 0);
        if (r > 0) {
            int64_t tr = now_ms();
            expire(&s, tr); /* first, so a reply after its timeout counts as late, never as received */
            receive_replies(sock, ident, &s, tr);
            if (!ready && s.total_recv > 0 && strcmp(seen.addr, "none") != 0) {
                emit("VFPROBE ready t=%lld master=%s addr=%s", (long long)tr, seen.master, seen.addr);
                ready = 1;
            }
        }
    }
}
