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

/// CPU time counters at one moment, in clock ticks.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CpuSample {
    /// All CPUs, every state.
    pub total: u64,
    /// All CPUs, idle and waiting for I/O.
    pub idle: u64,
    /// This process, user and system.
    pub own: u64,
}

/// Cores the other processes kept busy between two samples (0 when nothing elapsed).
pub fn others_busy_cores(before: CpuSample, after: CpuSample, cpus: usize) -> f64 {
    let total = after.total.saturating_sub(before.total);
    if total == 0 {
        return 0.0;
    }
    let busy = total.saturating_sub(after.idle.saturating_sub(before.idle));
    let others = busy.saturating_sub(after.own.saturating_sub(before.own));
    others as f64 / total as f64 * cpus as f64
}

/// Threads for the next calls: the cores left idle by others, rounded, from 1 to `configured`.
pub fn threads_for(others_busy: f64, cpus: usize, configured: usize) -> usize {
    let idle = (cpus as f64 - others_busy).max(0.0);
    (idle.round() as usize).clamp(1, configured.max(1))
}

/// The first line of /proc/stat: `cpu  user nice system idle iowait irq softirq steal ...`.
pub fn parse_proc_stat(text: &str) -> Option<(u64, u64)> {
    let line = text.lines().next()?;
    let mut fields = line.split_whitespace();
    if fields.next()? != "cpu" {
        return None;
    }
    let ticks: Vec<u64> = fields.map(|f| f.parse().ok()).collect::<Option<_>>()?;
    if ticks.len() < 5 {
        return None;
    }
    // guest and guest_nice (9th, 10th) are already counted in user and nice.
    let total = ticks.iter().take(8).sum();
    Some((total, ticks[3] + ticks[4]))
}

/// utime + stime of /proc/self/stat (fields 14 and 15; the command name may hold spaces).
pub fn parse_self_stat(text: &str) -> Option<u64> {
    let after_name = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // after_name starts at field 3 (state): utime is field 14, index 11 here.
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

fn sample() -> Option<CpuSample> {
    let (total, idle) = parse_proc_stat(&std::fs::read_to_string("/proc/stat").ok()?)?;
    let own = parse_self_stat(&std::fs::read_to_string("/proc/self/stat").ok()?)?;
    Some(CpuSample { total, idle, own })
}

/// The inference thread's view of the machine: decides the thread count before each call.
pub struct Contention {
    configured: usize,
    cpus: usize,
    last: Option<(Instant, CpuSample)>,
    current: usize,
    /// A different count seen once: adopted when the next sample agrees (no flapping).
    pending: Option<usize>,
}

impl Contention {
    pub fn new(configured: usize) -> Self {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        Contention {
            configured,
            cpus,
            last: sample().map(|s| (Instant::now(), s)),
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
        let now = sample()?;
        self.last = Some((Instant::now(), now));
        let want = threads_for(
            others_busy_cores(before, now, self.cpus),
            self.cpus,
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

    #[test]
    fn proc_files_are_read_as_the_kernel_writes_them() {
        let stat =
            "cpu  264589 534124 32105 143832 1128 0 251 1227 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n";
        assert_eq!(
            parse_proc_stat(stat),
            Some((
                264589 + 534124 + 32105 + 143832 + 1128 + 251 + 1227,
                143832 + 1128
            ))
        );
        assert_eq!(parse_proc_stat("intr 1 2 3"), None);
        assert_eq!(parse_proc_stat(""), None);
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
        assert!((others_busy_cores(before, after, 2) - 1.0).abs() < 1e-9);
        assert_eq!(threads_for(1.0, 2, 2), 1);
        // Only we were busy: every core is ours.
        let alone = CpuSample {
            total: 1200,
            idle: 500,
            own: 300,
        };
        assert_eq!(others_busy_cores(before, alone, 2), 0.0);
        assert_eq!(threads_for(0.0, 2, 2), 2);
        // A machine with more cores than configured threads, or fully taken by others.
        assert_eq!(threads_for(0.5, 16, 4), 4);
        assert_eq!(threads_for(2.0, 2, 2), 1);
        assert_eq!(threads_for(0.6, 2, 2), 1);
        assert_eq!(threads_for(0.3, 2, 2), 2);
        assert_eq!(threads_for(0.2, 2, 2), 2);
        assert_eq!(others_busy_cores(before, before, 2), 0.0);
    }
}
