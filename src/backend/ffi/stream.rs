//! A small blocking libvirt stream for volume upload and download. virt 0.5's `Stream`
//! keeps a pointer that dangles once the value moves and panics in Drop, so it is not used.

use std::os::raw::c_char;

use virt::connect::Connect;
use virt::storage_vol::StorageVol;
use virt::sys;

use super::blockjob::last_message;

/// VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX: what virStreamSendAll (and so virsh) sends at once.
const MESSAGE_PAYLOAD: usize = 262_120;

/// An open stream; aborted (unless finished) and freed when dropped.
pub struct VolStream {
    ptr: sys::virStreamPtr,
    done: bool,
}

// SAFETY: a virStreamPtr is a reference-counted libvirt object whose calls lock it
// internally; this wrapper is used by one thread at a time (it is moved, not shared).
unsafe impl Send for VolStream {}

impl VolStream {
    /// A blocking stream on `conn`.
    pub fn new(conn: &Connect) -> Result<VolStream, String> {
        // SAFETY: conn is live; flags 0 asks for a blocking stream.
        let ptr = unsafe { sys::virStreamNew(conn.as_ptr(), 0) };
        if ptr.is_null() {
            return Err(last_message());
        }
        Ok(VolStream { ptr, done: false })
    }

    /// Starts an upload of `length` bytes into `vol` from offset 0.
    pub fn upload(&self, vol: &StorageVol, length: u64) -> Result<(), String> {
        // SAFETY: vol and the stream are live; libvirt takes its own reference.
        let rc = unsafe { sys::virStorageVolUpload(vol.as_ptr(), self.ptr, 0, length, 0) };
        if rc < 0 { Err(last_message()) } else { Ok(()) }
    }

    /// Starts a download of the whole volume.
    pub fn download(&self, vol: &StorageVol) -> Result<(), String> {
        // SAFETY: vol and the stream are live; length 0 means "to the end".
        let rc = unsafe { sys::virStorageVolDownload(vol.as_ptr(), self.ptr, 0, 0, 0) };
        if rc < 0 { Err(last_message()) } else { Ok(()) }
    }

    /// Sends all of `data` (blocking), in pieces of libvirt's own message payload size:
    /// larger messages make the daemon copy more and measured slower.
    pub fn send_all(&mut self, mut data: &[u8]) -> Result<(), String> {
        while !data.is_empty() {
            let len = data.len().min(MESSAGE_PAYLOAD);
            // SAFETY: the stream is live; data points to at least len readable bytes.
            let n = unsafe { sys::virStreamSend(self.ptr, data.as_ptr() as *const c_char, len) };
            if n < 0 {
                return Err(last_message());
            }
            let n = usize::try_from(n).unwrap_or(0).min(data.len());
            if n == 0 {
                return Err("the stream accepted no data".into());
            }
            data = &data[n..];
        }
        Ok(())
    }

    /// Receives up to `buf.len()` bytes; 0 means the end of the data.
    pub fn recv(&mut self, buf: &mut [u8]) -> Result<usize, String> {
        // SAFETY: the stream is live; buf is writable for buf.len() bytes.
        let n = unsafe { sys::virStreamRecv(self.ptr, buf.as_mut_ptr() as *mut c_char, buf.len()) };
        if n < 0 {
            return Err(last_message());
        }
        Ok(usize::try_from(n).unwrap_or(0).min(buf.len()))
    }

    /// Completes the transfer; libvirt reports whether the other end succeeded.
    pub fn finish(mut self) -> Result<(), String> {
        self.done = true;
        // SAFETY: the stream is live and not finished or aborted yet.
        let rc = unsafe { sys::virStreamFinish(self.ptr) };
        if rc < 0 { Err(last_message()) } else { Ok(()) }
    }

    /// Cancels the transfer (what Drop does for an unfinished stream).
    pub fn abort(mut self) {
        self.abort_inner();
    }

    fn abort_inner(&mut self) {
        if !self.done {
            self.done = true;
            // SAFETY: the stream is live and neither finished nor aborted.
            unsafe { sys::virStreamAbort(self.ptr) };
        }
    }
}

impl Drop for VolStream {
    fn drop(&mut self) {
        self.abort_inner();
        // SAFETY: ptr came from virStreamNew and this is its only owner; freed once.
        unsafe { sys::virStreamFree(self.ptr) };
    }
}
