//! How many threads an inference call should use on a machine other processes are also using.
//!
//! ggml splits every operation of a graph evenly between its threads and waits for all of them
//! after each one (a barrier per op of the graph). When other processes keep the cores busy,
//! one of our threads is often descheduled while the others spin at a barrier: measured with
//! another process spinning on both cores of a 2-core machine (BENCHMARKS.md, issue 17), two
//! threads embedded code at 8.1 texts/s and single queries took 808 ms (p50), one thread 13.9
//! texts/s and 7.5 ms. So the inference thread samples the machine's CPU time (Linux: /proc/stat
//! and /proc/self/stat) and uses as many threads as there are cores the other processes leave idle,
//! between 1 and the configured count.

use std::time::{Duration, Instant};

/// Shortest interval between two samples: shorter ones measure the scheduler's noise.
const SAMPLE_EVERY: Duration = Duration::from_millis(500);

/// CPU time counters at one moment, in clock ticks, over the CPUs this process may run on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CpuSample {
    /// Those CPUs, every state.
    pub total: u64,
    /// Those CPUs, idle and waiting for I/O.
    pub idle: u64,
    /// This process, user and system.
    pub own: u64,
}

/// Cores among `cpus` (the CPUs sampled) that other processes left to us between two samples:
/// the idle ones plus the ones we used ourselves (0 when nothing elapsed).
pub fn cores_left_to_us(before: CpuSample, after: CpuSample, cpus: usize) -> f64 {
    let total = after.total.saturating_sub(before.total);
    if total == 0 || cpus == 0 {
        return 0.0;
    }
    let idle = after.idle.saturating_sub(before.idle);
    let own = after.own.saturating_sub(before.own);
    // Ticks per CPU over the interval: each sampled CPU counts every tick in some state.
    let per_cpu = total as f64 / cpus as f64;
    ((idle + own) as f64 / per_cpu).min(cpus as f64)
}

/// Threads for the next calls: the cores left to us, rounded, at most the cores this process may
/// use (`usable`: its share of a CPU quota), from 1 to `configured`.
pub fn threads_for(left_to_us: f64, usable: usize, configured: usize) -> usize {
    let cores = left_to_us.min(usable as f64).max(0.0);
    (cores.round() as usize).clamp(1, configured.max(1))
}

/// The CPUs of /proc/stat (`cpuN user nice system idle iowait irq softirq steal ...`) that
/// `allowed` accepts, summed: (all ticks, idle ticks, how many CPUs). The first line sums every
/// CPU of the machine, which in a container or under an affinity mask holds cores we never run
/// on and whose load is not ours to avoid: it is not used.
pub fn parse_proc_stat(text: &str, allowed: impl Fn(usize) -> bool) -> Option<(u64, u64, usize)> {
    let (mut total, mut idle, mut cpus) = (0, 0, 0);
    for line in text.lines() {
        let mut fields = line.split_whitespace();
        let Some(id) = fields.next().and_then(|f| f.strip_prefix("cpu")) else {
            continue;
        };
        let Ok(id) = id.parse::<usize>() else {
            continue;
        };
        if !allowed(id) {
            continue;
        }
        let ticks: Vec<u64> = fields.map(|f| f.parse().ok()).collect::<Option<_>>()?;
        if ticks.len() < 5 {
            return None;
        }
        // guest and guest_nice (9th, 10th) are already counted in user and nice.
        total += ticks.iter().take(8).sum::<u64>();
        idle += ticks[3] + ticks[4];
        cpus += 1;
    }
    (cpus > 0).then_some((total, idle, cpus))
}

/// utime + stime of /proc/self/stat (fields 14 and 15; the command name may hold spaces).
pub fn parse_self_stat(text: &str) -> Option<u64> {
    let after_name = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // after_name starts at field 3 (state): utime is field 14, index 11 here.
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// The CPUs this process may run on (its affinity mask); `None` where it cannot be read.
#[cfg(target_os = "linux")]
fn affinity() -> Option<Vec<bool>> {
    // SAFETY: cpu_set_t is plain data; sched_getaffinity fills it for the calling process.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) != 0 {
            return None;
        }
        let max = 8 * std::mem::size_of::<libc::cpu_set_t>();
        Some((0..max).map(|cpu| libc::CPU_ISSET(cpu, &set)).collect())
    }
}

#[cfg(not(target_os = "linux"))]
fn affinity() -> Option<Vec<bool>> {
    None
}

/// A sample over the CPUs in `mask` (every CPU when `None`), and how many those were.
fn sample(mask: Option<&[bool]>) -> Option<(CpuSample, usize)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let allowed = |cpu: usize| mask.is_none_or(|m| m.get(cpu).copied().unwrap_or(false));
    let (total, idle, cpus) = parse_proc_stat(&stat, allowed)?;
    let own = parse_self_stat(&std::fs::read_to_string("/proc/self/stat").ok()?)?;
    Some((CpuSample { total, idle, own }, cpus))
}

/// The inference thread's view of the machine: decides the thread count before each call.
pub struct Contention {
    configured: usize,
    /// Cores this process may use: its affinity mask, or less under a CPU quota.
    usable: usize,
    mask: Option<Vec<bool>>,
    last: Option<(Instant, CpuSample)>,
    current: usize,
    /// A different count seen once: adopted when the next sample agrees (no flapping).
    pending: Option<usize>,
}

impl Contention {
    pub fn new(configured: usize) -> Self {
        let usable = std::thread::available_parallelism().map_or(1, |n| n.get());
        let mask = affinity();
        Contention {
            configured,
            usable,
            last: sample(mask.as_deref()).map(|(s, _)| (Instant::now(), s)),
            mask,
            current: configured,
            pending: None,
        }
    }

    /// The thread count for the next call; `Some` when it differs from the one in use.
    pub fn change(&mut self) -> Option<usize> {
        // One thread has nothing to wait for; where /proc is missing, nothing is known.
        if self.configured <= 1 {
            return None;
        }
        let (at, before) = self.last?;
        if at.elapsed() < SAMPLE_EVERY {
            return None;
        }
        let (now, cpus) = sample(self.mask.as_deref())?;
        self.last = Some((Instant::now(), now));
        let want = threads_for(
            cores_left_to_us(before, now, cpus),
            self.usable,
            self.configured,
        );
        if want == self.current {
            self.pending = None;
            return None;
        }
        if self.pending != Some(want) {
            self.pending = Some(want);
            return None;
        }
        self.pending = None;
        self.current = want;
        Some(want)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAT: &str = "cpu  264589 534124 32105 143832 1128 0 251 1227 0 0
cpu0 10 0 10 70 10 0 0 0 0 0
cpu1 50 0 0 50 0 0 0 0 3 0
cpu2 100 0 0 0 0 0 0 0 0 0
intr 1 2 3
";

    #[test]
    fn proc_files_are_read_as_the_kernel_writes_them() {
        assert_eq!(parse_proc_stat(STAT, |_| true), Some((300, 130, 3)));
        // Only the CPUs of the affinity mask, never the machine-wide first line.
        assert_eq!(parse_proc_stat(STAT, |c| c == 0), Some((100, 80, 1)));
        assert_eq!(parse_proc_stat(STAT, |c| c != 0), Some((200, 50, 2)));
        assert_eq!(parse_proc_stat(STAT, |c| c > 9), None);
        assert_eq!(parse_proc_stat("intr 1 2 3", |_| true), None);
        assert_eq!(parse_proc_stat("", |_| true), None);
        let own = "4242 (node (worker) x) R 1 2 3 4 5 6 7 8 9 10 1500 300 0 0 20 0 9";
        assert_eq!(parse_self_stat(own), Some(1800));
        assert_eq!(parse_self_stat("4242 (node) R 1 2"), None);
    }

    #[test]
    fn threads_follow_the_cores_others_leave_idle() {
        let before = CpuSample {
            total: 1000,
            idle: 500,
            own: 100,
        };
        // 2 CPUs, 200 ticks elapsed: all busy, 100 of them ours -> others used 1 core.
        let after = CpuSample {
            total: 1200,
            idle: 500,
            own: 200,
        };
        assert!((cores_left_to_us(before, after, 2) - 1.0).abs() < 1e-9);
        assert_eq!(threads_for(1.0, 2, 2), 1);
        // Only we were busy: every core is ours.
        let alone = CpuSample {
            total: 1200,
            idle: 500,
            own: 300,
        };
        assert_eq!(cores_left_to_us(before, alone, 2), 2.0);
        assert_eq!(threads_for(2.0, 2, 2), 2);
        // Fewer cores usable (a CPU quota) than left idle, or more than configured.
        assert_eq!(threads_for(30.0, 2, 4), 2);
        assert_eq!(threads_for(15.5, 16, 4), 4);
        assert_eq!(threads_for(0.0, 2, 2), 1);
        assert_eq!(threads_for(1.4, 2, 2), 1);
        assert_eq!(threads_for(1.7, 2, 2), 2);
        assert_eq!(cores_left_to_us(before, before, 2), 0.0);
    }

    /// The bug this replaced: a process pinned to 2 idle cores of a 64-core machine whose other
    /// cores are all busy was told to run one thread, because the machine-wide line was scaled
    /// to its 2 cores.
    #[test]
    fn the_load_on_cores_we_may_not_use_is_not_ours_to_avoid() {
        let line = |busy: u64, idle: u64| format!("{busy} 0 0 {idle} 0 0 0 0 0 0");
        let stat = |t: u64| {
            let mut s = format!("cpu  {}\n", line(62 * t, 2 * t));
            for cpu in 0..64 {
                let l = if cpu < 2 { line(0, t) } else { line(t, 0) };
                s += &format!("cpu{cpu} {l}\n");
            }
            s
        };
        let pinned = |cpu: usize| cpu < 2;
        let at = |t: u64| {
            let (total, idle, cpus) = parse_proc_stat(&stat(t), pinned).unwrap();
            (
                CpuSample {
                    total,
                    idle,
                    own: 0,
                },
                cpus,
            )
        };
        let ((before, _), (after, cpus)) = (at(1000), at(1100));
        assert_eq!(cpus, 2);
        let left = cores_left_to_us(before, after, cpus);
        assert_eq!(left, 2.0);
        assert_eq!(threads_for(left, 2, 2), 2);
    }
}
