//! `--completions` and `--man` print generated text and exit 0 before connecting anywhere.

use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_virtdeck");

fn run(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(BIN)
        .args(args)
        // A URI that could never open: reaching the connection would fail the run.
        .env(
            "LIBVIRT_DEFAULT_URI",
            "qemu+unix:///system?socket=/nonexistent/x.sock",
        )
        .stdin(Stdio::null())
        .output()
        .expect("run virtdeck");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn bash_completion_offers_the_real_options() {
    let (ok, out, err) = run(&["--completions", "bash"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("--readonly") && out.contains("--connect"),
        "{out}"
    );
    assert!(
        out.contains("complete -F"),
        "a bash completion script: {out}"
    );
}

#[test]
fn zsh_and_fish_completions_are_scripts_for_their_shell() {
    let (ok, out, err) = run(&["--completions", "zsh"]);
    assert!(ok, "{err}");
    assert!(out.starts_with("#compdef virtdeck"), "{out}");
    let (ok, out, err) = run(&["--completions", "fish"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("complete -c virtdeck") && out.contains("readonly"),
        "{out}"
    );
}

#[test]
fn man_page_is_roff_naming_the_program_and_options() {
    let (ok, out, err) = run(&["--man"]);
    assert!(ok, "{err}");
    assert!(out.contains(".TH virtdeck"), "{out}");
    assert!(out.contains("readonly") && out.contains("connect"), "{out}");
}

#[test]
fn an_unknown_shell_is_refused_with_the_choices() {
    let (ok, _out, err) = run(&["--completions", "tcsh"]);
    assert!(!ok);
    assert!(err.contains("bash") && err.contains("fish"), "{err}");
}
