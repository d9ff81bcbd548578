//! Command palette figures: ~60 actions + 1,000 domain names, filtered on every keystroke of
//! a few typed queries (filter + highlights of the 30 drawn rows). Target: 2 ms/keystroke.

use std::time::{Duration, Instant};

use virtdeck::palette::{Entry, Palette};

const ACTIONS: &[&str] = &[
    "Start",
    "Shutdown",
    "Reboot",
    "Force off",
    "Reset",
    "Suspend",
    "Resume",
    "Undefine",
    "Autostart on",
    "Autostart off",
    "Console",
    "Edit XML",
    "Clone",
    "Rename",
    "Migrate",
    "Snapshot: take",
    "Snapshot: quick",
    "Snapshot: revert",
    "Snapshot: delete",
    "Snapshot: tree",
    "Stats: CPU",
    "Stats: memory",
    "Stats: disks",
    "Stats: network",
    "Details",
    "Copy name",
    "Copy UUID",
    "Copy IP",
    "Mark",
    "Mark all",
    "Invert marks",
    "Clear marks",
    "Filter",
    "Clear filter",
    "Sort by name",
    "Sort by state",
    "Sort by CPU",
    "Sort by memory",
    "Sort by uptime",
    "View: domains",
    "View: networks",
    "View: pools",
    "View: volumes",
    "View: jobs",
    "View: hosts",
    "Network: start",
    "Network: stop",
    "Network: autostart",
    "Pool: refresh",
    "Pool: start",
    "Pool: stop",
    "Volume: delete",
    "Volume: resize",
    "Job: cancel",
    "Host: connect",
    "Host: disconnect",
    "Help",
    "Quit",
    "Command line",
    "Theme: toggle",
];

fn domain_name(i: usize) -> String {
    let role = [
        "web",
        "db-primary",
        "db-replica",
        "cache",
        "build",
        "ci-runner",
        "mail",
    ];
    let env = ["prod", "staging", "dev"];
    format!(
        "{}-{}-{:03}",
        role[i % role.len()],
        env[(i / 7) % env.len()],
        i
    )
}

fn main() {
    let mut entries: Vec<Entry<usize>> = ACTIONS
        .iter()
        .enumerate()
        .map(|(i, a)| Entry::new(*a, "x", "an action", i))
        .collect();
    entries.extend((0..1000).map(|i| Entry::new(domain_name(i), "", "domain", 100 + i)));
    let n = entries.len();
    let mut palette = Palette::new(entries);
    let queries = ["web-prod-01", "snapshot revert", "dbrep", "cistg9", "zzzz"];
    let mut times = Vec::new();
    let mut matched = 0;
    for _ in 0..20 {
        for q in queries {
            for end in q.char_indices().map(|(i, c)| i + c.len_utf8()) {
                let query = &q[..end];
                let t = Instant::now();
                let hits = palette.filter(query);
                for h in hits.iter().take(30) {
                    std::hint::black_box(palette.highlights(query, h.index));
                }
                times.push(t.elapsed());
                matched += hits.len();
            }
        }
    }
    times.sort();
    let p = |q: usize| times[(times.len() * q / 100).min(times.len() - 1)];
    let target = Duration::from_millis(2);
    let verdict = if p(99) <= target { "ok" } else { "OVER TARGET" };
    println!(
        "palette keystroke ({n} entries, {} keystrokes, {:.0} hits/keystroke avg)  p50 {:.3} ms   p99 {:.3} ms   max {:.3} ms   (target {} ms, {verdict})",
        times.len(),
        matched as f64 / times.len() as f64,
        p(50).as_secs_f64() * 1e3,
        p(99).as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3,
        target.as_millis()
    );
}
