//! Block jobs (commit, pull, copy, abort/pivot, speed, info) and their events: virt 0.5
//! wraps none of them.

use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_int, c_ulong, c_void};

use virt::connect::Connect;
use virt::domain::Domain;
use virt::error::Error;
use virt::sys;

use super::domain_identity;

/// `virDomainGetBlockJobInfo`'s answer for one disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawBlockJobInfo {
    /// `virDomainBlockJobType`.
    pub kind: i32,
    /// Bytes per second (asked with BANDWIDTH_BYTES); 0 = unlimited.
    pub bandwidth: u64,
    pub cur: u64,
    pub end: u64,
}

/// A `VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2` event, copied out of the callback.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawBlockJobEvent {
    pub uuid: String,
    pub name: String,
    /// The disk's target (vda): BLOCK_JOB_2 names disks by target, not by path.
    pub disk: String,
    pub kind: i32,
    /// `virConnectDomainEventBlockJobStatus`: 0 completed, 1 failed, 2 canceled, 3 ready.
    pub status: i32,
}

/// libvirt's message for the call that just failed on this thread.
pub(crate) fn last_message() -> String {
    Error::last_error().message().to_string()
}

pub(crate) fn cstring(s: &str) -> Result<CString, String> {
    CString::new(s).map_err(|_| format!("{s:?} contains a NUL byte"))
}

fn opt_cstring(s: Option<&str>) -> Result<Option<CString>, String> {
    s.map(cstring).transpose()
}

fn ptr_or_null(s: &Option<CString>) -> *const c_char {
    s.as_ref().map_or(std::ptr::null(), |c| c.as_ptr())
}

fn check(rc: c_int) -> Result<(), String> {
    if rc < 0 { Err(last_message()) } else { Ok(()) }
}

/// The job on `disk`, or `None` when it has none.
pub fn block_job_info(dom: &Domain, disk: &str) -> Result<Option<RawBlockJobInfo>, String> {
    block_job_query(dom, disk).map_err(|(message, _)| message)
}

/// [`block_job_info`], saying with the error whether the driver has no block jobs at all
/// (`VIR_ERR_NO_SUPPORT`, the test driver): asking its other domains is pointless.
pub fn block_job_query(
    dom: &Domain,
    disk: &str,
) -> Result<Option<RawBlockJobInfo>, (String, bool)> {
    let disk = cstring(disk).map_err(|m| (m, false))?;
    // SAFETY: an all-zero virDomainBlockJobInfo is a valid value (plain integers).
    let mut info: sys::virDomainBlockJobInfo = unsafe { std::mem::zeroed() };
    // SAFETY: dom is live, disk is a NUL-terminated string and info a valid out-pointer.
    let rc = unsafe {
        sys::virDomainGetBlockJobInfo(
            dom.as_ptr(),
            disk.as_ptr(),
            &mut info,
            sys::VIR_DOMAIN_BLOCK_JOB_INFO_BANDWIDTH_BYTES,
        )
    };
    match rc {
        r if r < 0 => {
            let e = Error::last_error();
            let unsupported = e.code().to_raw() == sys::VIR_ERR_NO_SUPPORT;
            Err((e.message().to_string(), unsupported))
        }
        0 => Ok(None),
        _ => Ok(Some(RawBlockJobInfo {
            kind: info.type_,
            bandwidth: info.bandwidth as u64,
            cur: info.cur,
            end: info.end,
        })),
    }
}

/// `virDomainBlockCommit`; `base`/`top` are paths or `None` (libvirt's defaults: the
/// chain's base, the active layer).
pub fn block_commit(
    dom: &Domain,
    disk: &str,
    base: Option<&str>,
    top: Option<&str>,
    bandwidth: u64,
    flags: u32,
) -> Result<(), String> {
    let (disk, base, top) = (cstring(disk)?, opt_cstring(base)?, opt_cstring(top)?);
    // SAFETY: dom is live; every string is NUL-terminated or NULL, which the API allows
    // for base and top; they outlive the call.
    check(unsafe {
        sys::virDomainBlockCommit(
            dom.as_ptr(),
            disk.as_ptr(),
            ptr_or_null(&base),
            ptr_or_null(&top),
            bandwidth as c_ulong,
            flags | sys::VIR_DOMAIN_BLOCK_COMMIT_BANDWIDTH_BYTES,
        )
    })
}

/// `virDomainBlockRebase` without COPY: a pull into the active layer from `base`
/// (`None`: the whole chain, like `virDomainBlockPull`).
pub fn block_pull(
    dom: &Domain,
    disk: &str,
    base: Option<&str>,
    bandwidth: u64,
    flags: u32,
) -> Result<(), String> {
    let (disk, base) = (cstring(disk)?, opt_cstring(base)?);
    // SAFETY: dom is live; disk is NUL-terminated, base NUL-terminated or NULL (allowed).
    check(unsafe {
        sys::virDomainBlockRebase(
            dom.as_ptr(),
            disk.as_ptr(),
            ptr_or_null(&base),
            bandwidth as c_ulong,
            flags | sys::VIR_DOMAIN_BLOCK_REBASE_BANDWIDTH_BYTES,
        )
    })
}

/// `virDomainBlockCopy` to the `<disk>` described by `destxml` (no typed parameters: the
/// speed is set afterwards with [`block_job_set_speed`]).
pub fn block_copy(dom: &Domain, disk: &str, destxml: &str, flags: u32) -> Result<(), String> {
    let (disk, destxml) = (cstring(disk)?, cstring(destxml)?);
    // SAFETY: dom is live; both strings are NUL-terminated; a NULL params with 0 entries
    // is allowed.
    check(unsafe {
        sys::virDomainBlockCopy(
            dom.as_ptr(),
            disk.as_ptr(),
            destxml.as_ptr(),
            std::ptr::null_mut(),
            0,
            flags,
        )
    })
}

/// `virDomainBlockJobAbort`; with VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT it finishes a copy or
/// an active commit by switching the disk over.
pub fn block_job_abort(dom: &Domain, disk: &str, flags: u32) -> Result<(), String> {
    let disk = cstring(disk)?;
    // SAFETY: dom is live; disk is NUL-terminated.
    check(unsafe { sys::virDomainBlockJobAbort(dom.as_ptr(), disk.as_ptr(), flags) })
}

/// `virDomainBlockJobSetSpeed` in bytes per second (0 = unlimited).
pub fn block_job_set_speed(dom: &Domain, disk: &str, bytes_per_sec: u64) -> Result<(), String> {
    let disk = cstring(disk)?;
    // SAFETY: dom is live; disk is NUL-terminated.
    check(unsafe {
        sys::virDomainBlockJobSetSpeed(
            dom.as_ptr(),
            disk.as_ptr(),
            bytes_per_sec as c_ulong,
            sys::VIR_DOMAIN_BLOCK_JOB_SPEED_BANDWIDTH_BYTES,
        )
    })
}

/// `virDomainGetBlockInfo`: (capacity, allocation, physical) of a disk (target or path).
pub fn block_info(dom: &Domain, disk: &str) -> Result<(u64, u64, u64), String> {
    let disk = cstring(disk)?;
    // SAFETY: an all-zero virDomainBlockInfo is valid (plain integers).
    let mut info: sys::virDomainBlockInfo = unsafe { std::mem::zeroed() };
    // SAFETY: dom is live, disk NUL-terminated, info a valid out-pointer.
    check(unsafe { sys::virDomainGetBlockInfo(dom.as_ptr(), disk.as_ptr(), &mut info, 0) })?;
    Ok((info.capacity, info.allocation, info.physical))
}

type BlockJobFn = Box<dyn Fn(RawBlockJobEvent) + Send + Sync>;

/// Keeps a block job subscription alive; deregisters it when dropped.
pub struct BlockJobSubscription {
    conn: Connect,
    callback_id: c_int,
}

impl Drop for BlockJobSubscription {
    fn drop(&mut self) {
        // SAFETY: conn is live (we hold a reference) and callback_id came from a successful
        // registration on it; failure on a dead connection is harmless.
        unsafe {
            sys::virConnectDomainEventDeregisterAny(self.conn.as_ptr(), self.callback_id);
        }
    }
}

unsafe extern "C" fn block_job_trampoline(
    _conn: sys::virConnectPtr,
    dom: sys::virDomainPtr,
    disk: *const c_char,
    kind: c_int,
    status: c_int,
    opaque: *mut c_void,
) {
    if opaque.is_null() || dom.is_null() {
        return;
    }
    // SAFETY: opaque is the Box<BlockJobFn> leaked in subscribe_block_jobs, kept alive by
    // libvirt until free_block_job runs after the last callback.
    let f = unsafe { &*(opaque as *const BlockJobFn) };
    let disk = if disk.is_null() {
        String::new()
    } else {
        // SAFETY: libvirt passes a NUL-terminated string valid for the callback.
        unsafe { CStr::from_ptr(disk) }
            .to_string_lossy()
            .into_owned()
    };
    let (uuid, name) = domain_identity(dom);
    // A panic must not unwind into libvirt's C stack.
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        f(RawBlockJobEvent {
            uuid,
            name,
            disk,
            kind,
            status,
        })
    }));
}

unsafe extern "C" fn free_block_job(opaque: *mut c_void) {
    if !opaque.is_null() {
        // SAFETY: opaque came from Box::into_raw in subscribe_block_jobs; freed once.
        drop(unsafe { Box::from_raw(opaque as *mut BlockJobFn) });
    }
}

/// Subscribes `f` to VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2 of every domain on `conn` (jobs
/// started by anyone, virsh included). `f` runs on libvirt's event-loop thread.
pub fn subscribe_block_jobs(
    conn: &Connect,
    f: impl Fn(RawBlockJobEvent) + Send + Sync + 'static,
) -> Result<BlockJobSubscription, String> {
    let boxed: Box<BlockJobFn> = Box::new(Box::new(f));
    let opaque = Box::into_raw(boxed) as *mut c_void;
    type BlockJobCb = unsafe extern "C" fn(
        sys::virConnectPtr,
        sys::virDomainPtr,
        *const c_char,
        c_int,
        c_int,
        *mut c_void,
    );
    let specific: BlockJobCb = block_job_trampoline;
    // SAFETY: libvirt calls the generic callback with the signature of the event id
    // (BLOCK_JOB_2: conn, dom, disk, type, status, opaque), so casting our correctly typed
    // function is the documented usage (the VIR_DOMAIN_EVENT_CALLBACK cast in C).
    let generic: unsafe extern "C" fn(sys::virConnectPtr, sys::virDomainPtr, *mut c_void) =
        unsafe { std::mem::transmute::<BlockJobCb, _>(specific) };
    // SAFETY: conn is live; opaque stays valid until libvirt calls free_block_job.
    let id = unsafe {
        sys::virConnectDomainEventRegisterAny(
            conn.as_ptr(),
            std::ptr::null_mut(),
            sys::VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2 as c_int,
            Some(generic),
            opaque,
            Some(free_block_job),
        )
    };
    if id < 0 {
        let err = last_message();
        // SAFETY: registration failed, so libvirt did not take ownership of opaque.
        unsafe { free_block_job(opaque) };
        return Err(err);
    }
    Ok(BlockJobSubscription {
        conn: conn.clone(),
        callback_id: id,
    })
}
