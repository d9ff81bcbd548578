//! Command-line options (virsh-compatible where virsh has the same thing).

use std::path::PathBuf;

use clap::Parser;

#[derive(Debug, Parser)]
#[command(
    name = "virtdeck",
    version,
    about = "A terminal UI for libvirt: domains, live state and actions over SSH",
    after_help = "Examples:\n  virtdeck -c qemu:///system\n  virtdeck -c qemu+ssh://root@host/system --readonly\n  virtdeck --demo"
)]
pub struct Cli {
    /// libvirt connection URI (as in `virsh -c`); give it several times for several hosts
    /// at once. Without it: the config's [[hosts]], else LIBVIRT_DEFAULT_URI, else
    /// libvirt's own default.
    #[arg(
        short = 'c',
        long = "connect",
        value_name = "URI",
        env = "LIBVIRT_DEFAULT_URI"
    )]
    pub connect: Vec<String>,

    /// Open a read-only connection; actions that change domains are hidden and refused.
    #[arg(short = 'r', long)]
    pub readonly: bool,

    /// Open a built-in demo host (libvirt's test driver); nothing real is touched.
    #[arg(long)]
    pub demo: bool,

    /// Theme name: default, 16color, or a file in ~/.config/virtdeck/themes/.
    #[arg(long, value_name = "NAME")]
    pub theme: Option<String>,

    /// Config file to use instead of ~/.config/virtdeck/config.toml.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Print a shell completion script (bash, zsh or fish) to stdout and exit.
    #[arg(long, value_name = "SHELL", value_parser = ["bash", "zsh", "fish"])]
    pub completions: Option<String>,

    /// Print the man page (roff) to stdout and exit.
    #[arg(long)]
    pub man: bool,
}

/// Writes what `--completions`/`--man` asked for; `None` when neither was given.
/// Runs before any connection so packagers can generate these files at build time.
pub fn print_generated(cli: &Cli, out: &mut dyn std::io::Write) -> Option<std::io::Result<()>> {
    use clap::CommandFactory;
    let mut cmd = Cli::command();
    if cli.man {
        return Some(clap_mangen::Man::new(cmd).render(out));
    }
    let shell = match cli.completions.as_deref()? {
        "bash" => clap_complete::Shell::Bash,
        "zsh" => clap_complete::Shell::Zsh,
        _ => clap_complete::Shell::Fish,
    };
    clap_complete::generate(shell, &mut cmd, "virtdeck", out);
    Some(Ok(()))
}
