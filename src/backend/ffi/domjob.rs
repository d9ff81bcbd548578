//! Domain jobs (save, restore, managed save) and their statistics: the calls virt 0.5
//! lacks or wraps without flags.

use std::os::raw::c_int;

use virt::connect::Connect;
use virt::domain::Domain;
use virt::sys;

use super::blockjob::{cstring, last_message};
use super::{TypedValue, copy_params};

/// `virDomainSave`: the running domain's memory to `path`; the domain stops.
pub fn save(dom: &Domain, path: &str) -> Result<(), String> {
    let p = cstring(path)?;
    // SAFETY: dom is live and p NUL-terminated for the duration of the call.
    let rc = unsafe { sys::virDomainSave(dom.as_ptr(), p.as_ptr()) };
    if rc < 0 { Err(last_message()) } else { Ok(()) }
}

/// `virDomainRestore` from a file `save` wrote.
pub fn restore(conn: &Connect, path: &str) -> Result<(), String> {
    let p = cstring(path)?;
    // SAFETY: conn is live and p NUL-terminated for the duration of the call.
    let rc = unsafe { sys::virDomainRestore(conn.as_ptr(), p.as_ptr()) };
    if rc < 0 { Err(last_message()) } else { Ok(()) }
}

/// `virDomainGetJobStats`: the job type (`virDomainJobType`, 0 = none) and its fields.
pub fn job_stats(dom: &Domain) -> Result<(i32, Vec<(String, TypedValue)>), String> {
    let mut kind: c_int = 0;
    let mut params: sys::virTypedParameterPtr = std::ptr::null_mut();
    let mut n: c_int = 0;
    // SAFETY: dom is live; the out-pointers are valid; libvirt allocates params.
    let rc = unsafe { sys::virDomainGetJobStats(dom.as_ptr(), &mut kind, &mut params, &mut n, 0) };
    if rc < 0 {
        return Err(last_message());
    }
    // SAFETY: libvirt returned n initialised parameters at params.
    let out = unsafe { copy_params(params, n) };
    // SAFETY: params came from libvirt and is freed exactly once (NULL is allowed).
    unsafe { sys::virTypedParamsFree(params, n) };
    Ok((kind, out))
}

/// `virDomainAbortJob`: cancels a save, dump or migration in progress.
pub fn abort_job(dom: &Domain) -> Result<(), String> {
    // SAFETY: dom is live.
    let rc = unsafe { sys::virDomainAbortJob(dom.as_ptr()) };
    if rc < 0 { Err(last_message()) } else { Ok(()) }
}
