//! virtdeck's entry point: parse options, connect, run the TUI, restore the terminal.

use std::process::ExitCode;

use clap::Parser;
use virtdeck::app::App;
use virtdeck::backend::{Backend, BackendConfig, HostId, demo};
use virtdeck::cli::Cli;
use virtdeck::config::hosts::HostEntry;
use virtdeck::config::{self, Config};
use virtdeck::event;

fn main() -> ExitCode {
    let started = std::time::Instant::now();
    let cli = Cli::parse();
    if let Some(done) = virtdeck::cli::print_generated(&cli, &mut std::io::stdout().lock()) {
        return match done {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("virtdeck: cannot write to stdout: {e}");
                ExitCode::from(1)
            }
        };
    }
    let _log = virtdeck::logging::init();

    let monochrome = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let config_file = cli
        .config
        .clone()
        .or_else(|| config::config_dir().map(|d| d.join("config.toml")));
    let config = match Config::load(config_file.as_deref(), cli.theme.as_deref(), monochrome) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("virtdeck: configuration error: {e}");
            return ExitCode::from(2);
        }
    };

    // The demo node must outlive the connection (the test driver re-reads it on reconnect).
    let demo_node = if cli.demo {
        match demo::NodeFile::write(demo::DEMO_HOST_XML) {
            Ok(n) => Some(n),
            Err(e) => {
                eprintln!("virtdeck: cannot write the demo host file: {e}");
                return ExitCode::from(1);
            }
        }
    } else {
        None
    };
    let hosts = pick_hosts(&cli, &config, demo_node.as_ref().map(demo::NodeFile::uri));

    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("virtdeck: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let backend_cfg = |i: usize, h: &HostEntry| BackendConfig {
        host: HostId(u16::try_from(i).unwrap_or(u16::MAX)),
        uri: (!h.uri.is_empty()).then(|| h.uri.clone()),
        readonly: cli.readonly || h.readonly,
        reconcile_every: config.reconcile_every,
        cpu_interval: config.cpu_interval,
        keepalive: h.keepalive(),
        autoconnect: h.autoconnect,
        ..BackendConfig::default()
    };
    let mut backends = Vec::new();
    if hosts.len() == 1 {
        // One host: connect before taking the screen, so errors print plainly, ssh can
        // prompt, and a host that cannot be reached ends virtdeck with its message.
        // URIs that take libvirt's auth callback (qemu+libssh://) ask here, on the
        // terminal, as qemu+ssh://'s ssh does.
        let ask: virtdeck::backend::StartupAsker = Box::new(virtdeck::tty_auth::ask);
        match Backend::start_asking(
            backend_cfg(0, &hosts[0]),
            event::backend_sink(tx.clone()),
            Some(ask),
        ) {
            Ok(b) => {
                tracing::info!("connected to {}", b.uri());
                backends.push(b);
            }
            Err(e) => {
                eprintln!("virtdeck: {e}");
                return ExitCode::from(1);
            }
        }
    } else {
        // Several: each connects on its own worker in the background; a slow or dead one
        // shows its state in the hosts view and never holds up the others.
        for (i, h) in hosts.iter().enumerate() {
            match Backend::spawn(backend_cfg(i, h), event::backend_sink(tx.clone())) {
                Ok(b) => backends.push(b),
                Err(e) => {
                    eprintln!("virtdeck: {e}");
                    return ExitCode::from(1);
                }
            }
        }
    }

    virtdeck::terminal::set_mouse(config.mouse);
    let mut app = App::new(config, backends[0].sender(), cli.readonly);
    app.set_event_sender(tx.clone());
    for (i, (h, b)) in hosts.iter().zip(&backends).enumerate() {
        let id = HostId(u16::try_from(i).unwrap_or(u16::MAX));
        app.add_host(id, &h.name, &h.uri, b.sender());
    }
    app.set_host_spawner(virtdeck::app::HostSpawner::new(
        event::backend_sink(tx.clone()),
        config_file.clone(),
    ));
    app.log_first_frame_since(started);
    let result = runtime.block_on(async {
        // Before the screen is taken: from here on a hang-up or kill leaves cleanly.
        virtdeck::signals::spawn(tx.clone())
            .map_err(|e| format!("cannot install signal handlers: {e}"))?;
        let mut terminal =
            virtdeck::terminal::enter().map_err(|e| format!("cannot open the terminal: {e}"))?;
        event::spawn_input(tx.clone());
        event::spawn_tick(tx.clone(), std::time::Duration::from_secs(1));
        let r = app.run(&mut terminal, &mut rx).await;
        virtdeck::terminal::restore();
        // A clone or transfer cut off by the exit would leave half-made volumes behind.
        if !app.inflight.is_empty() {
            use std::io::Write;
            // After a hang-up stderr may be gone: the cleanup matters, the words less.
            let mut err = std::io::stderr();
            let _ = writeln!(
                err,
                "virtdeck: cancelling what still runs (Ctrl-C stops waiting): {}",
                app.inflight.labels().collect::<Vec<_>>().join(", ")
            );
            let lines = app
                .wind_down(&mut rx, std::time::Duration::from_secs(120))
                .await;
            for line in lines {
                let _ = writeln!(err, "virtdeck: {line}");
            }
        }
        r
    });
    drop(backends);
    if let Some(peak) = peak_rss() {
        tracing::info!("peak RSS {peak}");
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            virtdeck::terminal::restore();
            eprintln!("virtdeck: {e}");
            ExitCode::from(1)
        }
    }
}

/// The hosts to open: `--demo`'s node, else every `-c` (each an unnamed host), else the
/// config's `[[hosts]]`, else libvirt's default URI. Names are made unique.
fn pick_hosts(cli: &virtdeck::cli::Cli, config: &Config, demo: Option<String>) -> Vec<HostEntry> {
    let mut hosts: Vec<HostEntry> = if let Some(uri) = demo {
        vec![HostEntry::from_uri(&uri)]
    } else if !cli.connect.is_empty() {
        cli.connect.iter().map(|u| HostEntry::from_uri(u)).collect()
    } else if !config.hosts.is_empty() {
        config.hosts.clone()
    } else {
        let mut h = HostEntry::from_uri("");
        h.name = "default".into();
        vec![h]
    };
    let mut seen = std::collections::HashSet::new();
    for h in &mut hosts {
        let base = h.name.clone();
        let mut n = 2;
        while !seen.insert(h.name.clone()) {
            h.name = format!("{base}-{n}");
            n += 1;
        }
    }
    hosts
}

/// The process's peak resident set size as the kernel reports it (Linux).
fn peak_rss() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(format!("{:.1} MiB", kib / 1024.0))
}
