//! Console benchmark on the rig's guest: 5 MiB of guest output through the app (every
//! byte counted) against `virsh console` on the same guest in the same run, and the
//! keystroke-to-echo latency. Run with `cargo bench --bench console`.

#[path = "../tests/common/mod.rs"]
mod common;

use std::io::{Read, Write};
use std::process::{Command as Proc, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::rig::{self, Guest};
use common::{Harness, Options};
use virtdeck::app::frame_interval;
use virtdeck::backend::BackendEvent;
use virtdeck::backend::console::ConsoleEvent;
use virtdeck::event::Event;

/// 5 MiB under `cargo bench`; a 256 KiB smoke run when `cargo test --all-targets` runs it.
fn total() -> usize {
    if full() { 5 * 1024 * 1024 } else { 256 * 1024 }
}

fn full() -> bool {
    std::env::args().any(|a| a == "--bench")
}
/// 5 MiB of 'Z' (octal 132, so the echoed command line itself holds no 'Z').
/// The guest command printing `total()` bytes of 'Z'.
fn flood() -> String {
    format!(
        "dd if=/dev/zero bs=1k count={} 2>/dev/null | tr '\\0' '\\132'",
        total() / 1024
    )
}
fn rounds() -> usize {
    if full() { 3 } else { 1 }
}

fn main() {
    let Some(guest) = Guest::define("console-bench") else {
        return;
    };
    rig::virsh(&["start", &guest.name]);
    assert!(guest.wait_for_prompt(Duration::from_secs(120)), "no prompt");

    let mut app_secs = Vec::new();
    let mut virsh_secs = Vec::new();
    let mut latencies = Vec::new();
    for round in 0..rounds() {
        // Alternate who goes first so drift in host load hits both sides alike.
        if round % 2 == 1 {
            virsh_secs.push(virsh_round(&guest));
        }
        let (secs, lat) = app_round(&guest, round == 0);
        app_secs.push(secs);
        latencies.extend(lat);
        if round % 2 == 0 {
            virsh_secs.push(virsh_round(&guest));
        }
    }
    let mib = total() as f64 / (1024.0 * 1024.0);
    let med = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!(
        "console bench: {} rounds of 5 MiB each way, alternating",
        rounds()
    );
    for (i, (a, v)) in app_secs.iter().zip(&virsh_secs).enumerate() {
        println!(
            "  round {i}: virtdeck {:.2} s ({:.2} MiB/s)   virsh console {:.2} s ({:.2} MiB/s)",
            a,
            mib / a,
            v,
            mib / v
        );
    }
    let a = med(&mut app_secs.clone());
    let v = med(&mut virsh_secs.clone());
    println!(
        "  median: virtdeck {:.2} MiB/s, virsh console {:.2} MiB/s, ratio virtdeck/virsh = {:.2}",
        mib / a,
        mib / v,
        v / a
    );
    let sum_a: f64 = app_secs.iter().sum();
    let sum_v: f64 = virsh_secs.iter().sum();
    println!(
        "  all rounds: virtdeck {:.3} MiB/s, virsh console {:.3} MiB/s, ratio {:.2}",
        mib * rounds() as f64 / sum_a,
        mib * rounds() as f64 / sum_v,
        sum_v / sum_a
    );
    println!("  (both are bound by the guest's emulated 16550 serial line under TCG)");
    emulator_capacity();
    latencies.sort_by(f64::total_cmp);
    println!(
        "  keystroke -> echo drawn: median {:.2} ms, p90 {:.2} ms, max {:.2} ms ({} keys)",
        latencies[latencies.len() / 2],
        latencies[latencies.len() * 9 / 10],
        latencies[latencies.len() - 1],
        latencies.len()
    );
}

/// One flood through the app (seconds from Enter to the last byte) and, on the first
/// round, keystroke latencies in ms.
fn app_round(guest: &Guest, measure_latency: bool) -> (f64, Vec<f64>) {
    let mut h = Harness::start(Options {
        width: 120,
        height: 40,
        ..Options::new(rig::URI)
    });
    assert!(h.wait_until(Duration::from_secs(10), |app| {
        Harness::state_of(app, &guest.name).is_some()
    }));
    h.select(&guest.name);
    h.press("c");
    assert!(
        h.wait_until(Duration::from_secs(20), |app| app
            .console_session()
            .is_some_and(|s| s.is_attached())),
        "attach failed: {}",
        h.screen_text()
    );
    let mut lat = Vec::new();
    if measure_latency {
        h.press("#");
        std::thread::sleep(Duration::from_millis(300));
        h.pump();
        for i in 0..60 {
            let c = (b'a' + (i % 26) as u8) as char;
            let before = h.app.console_session().map_or(0, |s| s.received);
            let t0 = Instant::now();
            h.press(&c.to_string());
            loop {
                h.pump();
                if h.app.console_session().map_or(0, |s| s.received) > before {
                    break;
                }
                assert!(t0.elapsed() < Duration::from_secs(10), "no echo");
                std::thread::sleep(Duration::from_micros(200));
            }
            let _ = h.screen(); // the frame the user would see
            lat.push(t0.elapsed().as_secs_f64() * 1000.0);
            std::thread::sleep(Duration::from_millis(20));
        }
        h.press("<Enter>");
    }
    std::thread::sleep(Duration::from_millis(500));
    h.pump();
    let mut got = 0usize;
    h.press(&flood());
    h.press("<Enter>");
    let cpu0 = cpu_secs();
    let t0 = Instant::now();
    let mut last = t0;
    let mut frames = 0u32;
    let mut drawn_bytes = h.app.console_received();
    // Like the app's loop: take what arrived, draw one frame, paced by App's frame_interval.
    while got < total() {
        let before = got;
        h.pump_with(|ev| {
            if let Event::Backend(BackendEvent::Console(_, ConsoleEvent::Output { bytes, .. })) = ev
            {
                let z = bytes.iter().filter(|b| **b == b'Z').count();
                if z > 0 {
                    got += z;
                    last = Instant::now();
                }
            }
        });
        assert!(
            t0.elapsed() < Duration::from_secs(600),
            "only {got} of {} bytes arrived",
            total()
        );
        let pace = frame_interval(h.app.console_received().saturating_sub(drawn_bytes));
        if got > before {
            let _ = h.screen();
            frames += 1;
            drawn_bytes = h.app.console_received();
        }
        std::thread::sleep(pace);
    }
    assert_eq!(got, total(), "byte count");
    let secs = (last - t0).as_secs_f64();
    println!(
        "  virtdeck: all {got} bytes arrived in {secs:.2} s ({frames} frames drawn, {:.2} s CPU)",
        cpu_secs() - cpu0
    );
    // Give the console back for virsh.
    h.press("<Ctrl-]>C");
    std::thread::sleep(Duration::from_millis(300));
    (secs, lat)
}

/// One flood through `virsh console` (in a pty via script(1)); seconds to the last byte.
fn virsh_round(guest: &Guest) -> f64 {
    let mut child = Proc::new("script")
        .args([
            "-qfec",
            &format!("virsh -c {} console --force {}", rig::URI, guest.name),
            "/dev/null",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run script(1) + virsh console");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel::<(usize, usize, Instant)>();
    let reader = std::thread::spawn(move || {
        let mut buf = vec![0u8; 1 << 16];
        let (mut received, mut z) = (0usize, 0usize);
        let mut seen_escape = false;
        let mut text = Vec::new();
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 {
                break;
            }
            received += n;
            if !seen_escape {
                text.extend_from_slice(&buf[..n]);
                seen_escape = String::from_utf8_lossy(&text).contains("Escape character");
                if seen_escape {
                    let _ = tx.send((0, 0, Instant::now()));
                }
                continue;
            }
            z += buf[..n].iter().filter(|b| **b == b'Z').count();
            let _ = tx.send((received, z, Instant::now()));
            if z >= total() {
                break;
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(20))
        .expect("virsh console did not attach");
    std::thread::sleep(Duration::from_millis(500));
    while rx.try_recv().is_ok() {}
    stdin
        .write_all(format!("{}\r", flood()).as_bytes())
        .expect("type into virsh");
    let t0 = Instant::now();
    let mut last = t0;
    let mut z = 0;
    while z < total() {
        let (_, zz, at) = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("virsh console stalled at {z} bytes"));
        if zz > z {
            z = zz;
            last = at;
        }
    }
    let secs = (last - t0).as_secs_f64();
    println!("  virsh console: all {z} bytes arrived in {secs:.2} s");
    let cpu0 = children_cpu_secs();
    let _ = stdin.write_all(b"\x1d"); // Ctrl-] leaves virsh console
    let _ = stdin.flush();
    drop(stdin);
    let _ = reader.join();
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    println!(
        "  virsh console + script: {:.2} s CPU for the whole session",
        children_cpu_secs() - cpu0
    );
    secs
}

/// (own, waited-for children) CPU seconds from /proc/self/stat (USER_HZ is 100 on Linux).
fn proc_cpu() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the ")" closing the command name: state is field 3, utime field 14.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    let at = |i: usize| f.get(i - 3).copied().unwrap_or(0.0) / 100.0;
    (at(14) + at(15), at(16) + at(17))
}

/// CPU time of this process (app threads, libvirt client, emulator, drawing).
fn cpu_secs() -> f64 {
    proc_cpu().0
}

fn children_cpu_secs() -> f64 {
    proc_cpu().1
}

/// How fast the app's side alone (vt100 parse + scrollback) eats guest output: the
/// headroom above the serial line's rate.
fn emulator_capacity() {
    let mut term = virtdeck::ui::console::term::ConsoleTerm::new(38, 120);
    let mut chunk = Vec::new();
    while chunk.len() < 64 * 1024 {
        chunk.extend_from_slice(b"[   12.345678] \x1b[32mOK\x1b[0m some boot line text\r\n");
    }
    let t0 = Instant::now();
    let mut fed = 0;
    while fed < total() {
        term.feed(&chunk);
        fed += chunk.len();
    }
    let secs = t0.elapsed().as_secs_f64();
    println!(
        "  emulator alone: {:.1} MiB/s of boot-log-like output ({} MiB in {:.2} s)",
        fed as f64 / (1024.0 * 1024.0) / secs,
        fed / (1024 * 1024),
        secs
    );
}
