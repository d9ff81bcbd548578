//! Which domains use which image paths: one XML read per domain (live when running, so
//! backing chains count), cached until a lifecycle or define event for that domain.

use std::collections::HashMap;

use virt::connect::Connect;

use super::VolumeUser;
use super::disks;
use crate::backend::model::{DomainId, HostId};

#[derive(Clone, Debug)]
struct DomainDisks {
    name: String,
    running: bool,
    /// (target, path, as backing).
    paths: Vec<(String, String, bool)>,
}

pub(crate) struct Usage {
    host: HostId,
    cache: HashMap<String, DomainDisks>,
    /// Every domain has been read since the last full invalidation.
    complete: bool,
}

impl Usage {
    pub fn new(host: HostId) -> Self {
        Usage {
            host,
            cache: HashMap::new(),
            complete: false,
        }
    }

    pub fn forget(&mut self, id: &DomainId) {
        self.cache.remove(id.uuid());
        self.complete = false;
    }

    pub fn clear(&mut self) {
        self.cache.clear();
        self.complete = false;
    }

    /// Reads the domains not cached yet (and drops the ones that are gone).
    fn fill(&mut self, conn: &Connect) -> Result<(), String> {
        if self.complete {
            return Ok(());
        }
        let doms = conn
            .list_all_domains(0)
            .map_err(|e| e.message().to_string())?;
        let mut seen = Vec::with_capacity(doms.len());
        for dom in doms {
            let Ok(uuid) = dom.uuid_string() else {
                continue;
            };
            seen.push(uuid.clone());
            if self.cache.contains_key(&uuid) {
                continue;
            }
            let Ok(xml) = dom.xml_desc(0) else {
                continue;
            };
            let Ok(list) = disks::parse(&xml) else {
                continue;
            };
            let paths = list
                .iter()
                .flat_map(|d| {
                    d.chain.iter().enumerate().filter_map(|(i, img)| {
                        img.path.clone().map(|p| (d.target.clone(), p, i > 0))
                    })
                })
                .collect();
            self.cache.insert(
                uuid,
                DomainDisks {
                    name: dom.name().unwrap_or_default(),
                    running: dom.is_active().unwrap_or(false),
                    paths,
                },
            );
        }
        self.cache.retain(|u, _| seen.contains(u));
        self.complete = true;
        Ok(())
    }

    /// The domains whose disks (or their chains) use `path`.
    pub fn users(&mut self, conn: &Connect, path: &str) -> Result<Vec<VolumeUser>, String> {
        self.fill(conn)?;
        Ok(self.lookup(path))
    }

    /// Like [`users`] but re-reads every domain first: a delete must not trust a cache
    /// (a disk-only snapshot changes a chain without a lifecycle event).
    pub fn users_fresh(&mut self, conn: &Connect, path: &str) -> Result<Vec<VolumeUser>, String> {
        self.clear();
        self.users(conn, path)
    }

    fn lookup(&self, path: &str) -> Vec<VolumeUser> {
        let mut out: Vec<VolumeUser> = self
            .cache
            .iter()
            .flat_map(|(uuid, d)| {
                d.paths
                    .iter()
                    .filter(|(_, p, _)| p == path)
                    .map(|(target, _, backing)| VolumeUser {
                        id: DomainId::new(self.host, uuid.clone()),
                        name: d.name.clone(),
                        running: d.running,
                        disk: target.clone(),
                        as_backing: *backing,
                    })
            })
            .collect();
        out.sort_by(|a, b| (&a.name, &a.disk).cmp(&(&b.name, &b.disk)));
        out
    }
}
