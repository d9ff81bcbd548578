//! Work virtdeck runs itself (clones, volume uploads and downloads) that quitting would
//! cut half-way: followed from the command that starts it to the event that ends it, so
//! a quit can ask first and cancel it cleanly instead of leaving half-made clones behind.

use crate::backend::clone::{CloneCmd, CloneEvent};
use crate::backend::storage::{Direction, StorageCmd, StorageEvent};
use crate::backend::{BackendEvent, Command, HostId, RequestId};
use crate::ui::text::escape;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Clone,
    Transfer,
}

#[derive(Clone, Debug, PartialEq)]
struct Job {
    host: HostId,
    req: RequestId,
    kind: Kind,
    /// "clone web-01 → web-02", "upload disk.img into default/vol.qcow2".
    label: String,
}

/// The running jobs, oldest first.
#[derive(Debug, Default)]
pub struct Inflight {
    jobs: Vec<Job>,
}

impl Inflight {
    /// Follows a command on its way to the backend: the ones that start such work.
    pub fn on_send(&mut self, cmd: &Command) {
        let job = match cmd {
            Command::Clone(host, CloneCmd::Start { req, spec, .. }) => Job {
                host: *host,
                req: *req,
                kind: Kind::Clone,
                label: format!("clone to {}", escape(&spec.new_name)),
            },
            Command::Storage(
                host,
                StorageCmd::Transfer {
                    req,
                    pool,
                    name,
                    file,
                    direction,
                },
            ) => Job {
                host: *host,
                req: *req,
                kind: Kind::Transfer,
                label: match direction {
                    Direction::Upload => format!(
                        "upload {} into {}/{}",
                        escape(&file.to_string_lossy()),
                        escape(pool),
                        escape(name)
                    ),
                    Direction::Download => format!(
                        "download {}/{} to {}",
                        escape(pool),
                        escape(name),
                        escape(&file.to_string_lossy())
                    ),
                },
            },
            _ => return,
        };
        self.jobs.push(job);
    }

    /// Follows an event from a backend; when it ends a job, returns what became of it
    /// (for the lines printed after a quit that had to cancel).
    pub fn on_event(&mut self, ev: &BackendEvent) -> Option<String> {
        match ev {
            BackendEvent::Clone(host, CloneEvent::Progress { req, what, .. }) => {
                if let Some(j) = self.find(*host, *req, Kind::Clone) {
                    j.label = format!("clone {}", escape(what));
                }
                None
            }
            BackendEvent::Clone(host, CloneEvent::Finished { req, result, .. }) => {
                let job = self.take(*host, *req, Kind::Clone)?;
                Some(match result {
                    Ok((_, summary)) => format!("{}: {}", job.label, escape(summary)),
                    Err(e) => format!("{}: {}", job.label, escape(e)),
                })
            }
            BackendEvent::Storage(host, StorageEvent::TransferFinished { req, result, .. }) => {
                let job = self.take(*host, *req, Kind::Transfer)?;
                Some(match result {
                    Ok(_) => format!("{}: finished", job.label),
                    Err(e) => format!("{}: {}", job.label, escape(e)),
                })
            }
            _ => None,
        }
    }

    /// A host that went away (removed from the list) takes its jobs with it.
    pub fn forget_host(&mut self, host: HostId) {
        self.jobs.retain(|j| j.host != host);
    }

    /// The commands that cancel every running job (each removes what it made).
    pub fn cancels(&self) -> Vec<Command> {
        self.jobs
            .iter()
            .map(|j| match j.kind {
                Kind::Clone => Command::Clone(j.host, CloneCmd::Cancel { req: j.req }),
                Kind::Transfer => {
                    Command::Storage(j.host, StorageCmd::CancelTransfer { req: j.req })
                }
            })
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.jobs.is_empty()
    }

    pub fn len(&self) -> usize {
        self.jobs.len()
    }

    /// What runs, oldest first, escaped for the screen or a terminal.
    pub fn labels(&self) -> impl Iterator<Item = &str> {
        self.jobs.iter().map(|j| j.label.as_str())
    }

    fn find(&mut self, host: HostId, req: RequestId, kind: Kind) -> Option<&mut Job> {
        self.jobs
            .iter_mut()
            .find(|j| j.host == host && j.req == req && j.kind == kind)
    }

    fn take(&mut self, host: HostId, req: RequestId, kind: Kind) -> Option<Job> {
        let i = self
            .jobs
            .iter()
            .position(|j| j.host == host && j.req == req && j.kind == kind)?;
        Some(self.jobs.remove(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::DomainId;
    use crate::backend::clone::{CloneProgress, CloneSpec};
    use crate::backend::storage::TransferProgress;

    fn dom() -> DomainId {
        DomainId::new(HostId::FIRST, "00000000-0000-0000-0000-000000000001")
    }

    fn start_clone(host: HostId, req: RequestId) -> Command {
        Command::Clone(
            host,
            CloneCmd::Start {
                req,
                id: dom(),
                spec: CloneSpec {
                    new_name: "web-02\u{1b}[2J".into(),
                    disks: Vec::new(),
                    pool: None,
                },
            },
        )
    }

    #[test]
    fn a_clone_runs_from_its_start_to_its_end_and_its_cancel_names_it() {
        let mut f = Inflight::default();
        f.on_send(&start_clone(HostId(1), 7));
        assert_eq!(f.len(), 1);
        // The name a user (or another client) chose is escaped for the terminal.
        assert_eq!(f.labels().collect::<Vec<_>>(), ["clone to web-02\\x1b[2J"]);
        assert_eq!(
            f.cancels(),
            [Command::Clone(HostId(1), CloneCmd::Cancel { req: 7 })]
        );
        f.on_event(&BackendEvent::Clone(
            HostId(1),
            CloneEvent::Progress {
                req: 7,
                id: dom(),
                what: "web-01 → web-02".into(),
                progress: CloneProgress::default(),
            },
        ));
        assert_eq!(f.labels().collect::<Vec<_>>(), ["clone web-01 → web-02"]);
        // The same request number on another host is another job.
        let other = BackendEvent::Clone(
            HostId(2),
            CloneEvent::Finished {
                req: 7,
                id: dom(),
                what: String::new(),
                result: Err("x".into()),
            },
        );
        assert_eq!(f.on_event(&other), None);
        let done = f.on_event(&BackendEvent::Clone(
            HostId(1),
            CloneEvent::Finished {
                req: 7,
                id: dom(),
                what: "web-01 → web-02".into(),
                result: Err("cancelled; removed volume default/web-02.qcow2".into()),
            },
        ));
        assert_eq!(
            done.as_deref(),
            Some("clone web-01 → web-02: cancelled; removed volume default/web-02.qcow2")
        );
        assert!(f.is_empty());
    }

    #[test]
    fn transfers_are_followed_and_other_commands_are_not() {
        let mut f = Inflight::default();
        f.on_send(&Command::Storage(
            HostId::FIRST,
            StorageCmd::Transfer {
                req: 3,
                pool: "default".into(),
                name: "v.qcow2".into(),
                file: "/tmp/v.img".into(),
                direction: Direction::Download,
            },
        ));
        f.on_send(&Command::Clone(
            HostId::FIRST,
            CloneCmd::Plan { req: 4, id: dom() },
        ));
        assert_eq!(
            f.labels().collect::<Vec<_>>(),
            ["download default/v.qcow2 to /tmp/v.img"]
        );
        assert_eq!(
            f.cancels(),
            [Command::Storage(
                HostId::FIRST,
                StorageCmd::CancelTransfer { req: 3 }
            )]
        );
        let end = f.on_event(&BackendEvent::Storage(
            HostId::FIRST,
            StorageEvent::TransferFinished {
                req: 3,
                direction: Direction::Download,
                result: Ok(TransferProgress {
                    done: 1,
                    total: 1,
                    rate: 1.0,
                    elapsed: std::time::Duration::ZERO,
                }),
            },
        ));
        assert_eq!(
            end.as_deref(),
            Some("download default/v.qcow2 to /tmp/v.img: finished")
        );
        assert!(f.is_empty());
        f.on_send(&start_clone(HostId(1), 9));
        f.forget_host(HostId(1));
        assert!(f.is_empty());
    }
}
