//! A SQLite VFS for the power-cut harness: every file operation goes to the real file through
//! the system's own VFS ("unix"), and is also written to a log — each write, truncation, sync
//! and deletion, in order — so that after the writing process is killed, [`super::disk`] can
//! build what a disk would hold after a power cut: everything synced, and of what was not, each
//! write kept, lost or torn. It is registered as the process's default VFS, so the real
//! `Ledger` and `Writer` run over it unchanged. Test code only: the shipped program never
//! registers it.
//!
//! Custody's own file operations outside SQLite (a backup put in place, a restore's copy and
//! renames) reach the same log through `custody_db::durable`'s watcher, in the order done.
//!
//! With `CUSTODY_CUT_AT_SYNC=N`, the process ends at its Nth sync, before that sync is done.

// A VFS is C's interface: the one module of the workspace with unsafe code, and test code.
#![allow(unsafe_code)]

use std::ffi::{CStr, c_char, c_int, c_void};
use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use custody_db::durable::watch::Happened;
use rusqlite::ffi;

use super::log::Op;

/// The log every tracked file's operations go to, in order.
static LOG: Mutex<Option<File>> = Mutex::new(None);
/// Syncs so far, and the one at which the power goes (0: none).
static SYNCS: AtomicU64 = AtomicU64::new(0);
static CUT_AT_SYNC: AtomicU64 = AtomicU64::new(0);
/// The system's VFS, which does the real work.
static mut REAL_VFS: *mut ffi::sqlite3_vfs = std::ptr::null_mut();
static mut SHIM_VFS: Option<ffi::sqlite3_vfs> = None;

/// The name this VFS is registered under.
const NAME: &CStr = c"powercut";

/// One open file: SQLite's header, the real file (which follows this struct in the same
/// allocation), and its path if it is one the harness tracks (temporary files are not).
#[repr(C)]
struct ShimFile {
    base: ffi::sqlite3_file,
    real: *mut ffi::sqlite3_file,
    path: *mut String,
}

/// Where the real file starts within SQLite's allocation for one of ours.
const REAL_OFFSET: usize = std::mem::size_of::<ShimFile>().next_multiple_of(16);

/// Registers the VFS as the process's default, logging to `log`. Call before opening anything.
///
/// # Panics
/// If SQLite has no default VFS, or registering fails.
pub fn install(log: &Path) {
    let file = File::create(log).expect("the power-cut log");
    *LOG.lock().expect("the log") = Some(file);
    if let Some(n) = std::env::var("CUSTODY_CUT_AT_SYNC").ok().and_then(|v| v.parse().ok()) {
        CUT_AT_SYNC.store(n, Ordering::SeqCst);
    }
    // SAFETY: called once, at the start of a single-threaded process, before any connection;
    // the statics are written here only and read by SQLite's callbacks afterwards.
    unsafe {
        assert_eq!(ffi::sqlite3_initialize(), ffi::SQLITE_OK);
        let real = ffi::sqlite3_vfs_find(std::ptr::null());
        assert!(!real.is_null(), "SQLite has no default VFS");
        REAL_VFS = real;
        let mut shim = *real;
        shim.szOsFile = (REAL_OFFSET + (*real).szOsFile as usize) as c_int;
        shim.pNext = std::ptr::null_mut();
        shim.zName = NAME.as_ptr();
        shim.xOpen = Some(x_open);
        shim.xDelete = Some(x_delete);
        SHIM_VFS = Some(shim);
        let registered = (*std::ptr::addr_of_mut!(SHIM_VFS)).as_mut().expect("just set");
        assert_eq!(ffi::sqlite3_vfs_register(registered, 1), ffi::SQLITE_OK);
    }
    custody_db::durable::watch::install(watched);
}

/// Custody's own file operations, into the log; its syncs count as SQLite's do.
fn watched(happened: &Happened) {
    let name = |p: &Path| {
        std::path::absolute(p)
            .unwrap_or_else(|_| p.to_path_buf())
            .to_string_lossy()
            .into_owned()
    };
    match happened {
        Happened::Written(path, data) => {
            let path = name(path);
            log(&Op::Open { path: path.clone() });
            log(&Op::Truncate {
                path: path.clone(),
                size: 0,
            });
            log(&Op::Write {
                path,
                offset: 0,
                data: data.clone(),
            });
        }
        Happened::Synced(path) => {
            cut_if_chosen();
            log(&Op::Sync { path: name(path) });
        }
        Happened::Renamed(from, to) => log(&Op::Rename {
            path: name(from),
            to: name(to),
        }),
        Happened::Linked(from, to) => log(&Op::Link {
            path: name(from),
            to: name(to),
        }),
        Happened::Removed(path) => log(&Op::Delete { path: name(path) }),
        Happened::FolderSynced(folder) => {
            cut_if_chosen();
            log(&Op::SyncFolder { path: name(folder) });
        }
    }
}

/// Counts a sync; at the chosen one, the power goes before it is done.
fn cut_if_chosen() {
    let n = SYNCS.fetch_add(1, Ordering::SeqCst) + 1;
    if n == CUT_AT_SYNC.load(Ordering::SeqCst) {
        std::process::exit(86);
    }
}

fn log(op: &Op) {
    if let Some(file) = LOG.lock().expect("the log").as_mut() {
        // One write call per operation: a killed process leaves whole records, or a torn last
        // one that the reader ignores.
        file.write_all(&op.encode()).expect("the power-cut log is written");
    }
}

unsafe fn shim<'a>(file: *mut ffi::sqlite3_file) -> &'a mut ShimFile {
    // SAFETY: SQLite hands our callbacks only files our x_open initialised.
    unsafe { &mut *file.cast::<ShimFile>() }
}

unsafe fn real_methods<'a>(file: *mut ffi::sqlite3_file) -> (*mut ffi::sqlite3_file, &'a ffi::sqlite3_io_methods) {
    // SAFETY: as [`shim`]; the real file was opened by the real VFS, which set its methods.
    unsafe {
        let real = shim(file).real;
        (real, &*(*real).pMethods)
    }
}

fn path_of(file: &ShimFile) -> Option<&str> {
    // SAFETY: `path` is null or a String we boxed in x_open and free only in x_close.
    unsafe { file.path.as_ref().map(String::as_str) }
}

unsafe extern "C" fn x_open(
    _vfs: *mut ffi::sqlite3_vfs,
    name: *const c_char,
    file: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    // SAFETY: SQLite gives a zeroed allocation of our szOsFile; the real file lives at
    // REAL_OFFSET within it and is opened by the real VFS.
    unsafe {
        let ours = file.cast::<ShimFile>();
        let real = file.cast::<u8>().add(REAL_OFFSET).cast::<ffi::sqlite3_file>();
        let real_vfs = REAL_VFS;
        let rc = ((*real_vfs).xOpen.expect("xOpen"))(real_vfs, name, real, flags, out_flags);
        if rc != ffi::SQLITE_OK {
            (*ours).base.pMethods = std::ptr::null();
            return rc;
        }
        let path = (!name.is_null()).then(|| CStr::from_ptr(name).to_string_lossy().into_owned());
        if let Some(path) = &path {
            log(&Op::Open { path: path.clone() });
        }
        (*ours).real = real;
        (*ours).path = path.map_or(std::ptr::null_mut(), |p| Box::into_raw(Box::new(p)));
        (*ours).base.pMethods = &raw const IO;
        ffi::SQLITE_OK
    }
}

unsafe extern "C" fn x_delete(_vfs: *mut ffi::sqlite3_vfs, name: *const c_char, sync_dir: c_int) -> c_int {
    // SAFETY: the name is SQLite's, a C string.
    unsafe {
        let path = CStr::from_ptr(name).to_string_lossy().into_owned();
        let folder = Path::new(&path).parent().map(|f| f.to_string_lossy().into_owned());
        log(&Op::Delete { path });
        if sync_dir != 0
            && let Some(folder) = folder
        {
            cut_if_chosen();
            log(&Op::SyncFolder { path: folder });
        }
        let real_vfs = REAL_VFS;
        ((*real_vfs).xDelete.expect("xDelete"))(real_vfs, name, sync_dir)
    }
}

static IO: ffi::sqlite3_io_methods = ffi::sqlite3_io_methods {
    iVersion: 3,
    xClose: Some(x_close),
    xRead: Some(x_read),
    xWrite: Some(x_write),
    xTruncate: Some(x_truncate),
    xSync: Some(x_sync),
    xFileSize: Some(x_file_size),
    xLock: Some(x_lock),
    xUnlock: Some(x_unlock),
    xCheckReservedLock: Some(x_check_reserved_lock),
    xFileControl: Some(x_file_control),
    xSectorSize: Some(x_sector_size),
    xDeviceCharacteristics: Some(x_device_characteristics),
    xShmMap: Some(x_shm_map),
    xShmLock: Some(x_shm_lock),
    xShmBarrier: Some(x_shm_barrier),
    xShmUnmap: Some(x_shm_unmap),
    xFetch: Some(x_fetch),
    xUnfetch: Some(x_unfetch),
};

unsafe extern "C" fn x_close(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: see [`shim`]; the path box is freed once, here.
    unsafe {
        let (real, m) = real_methods(file);
        let rc = (m.xClose.expect("xClose"))(real);
        let ours = shim(file);
        if !ours.path.is_null() {
            drop(Box::from_raw(ours.path));
            ours.path = std::ptr::null_mut();
        }
        rc
    }
}

unsafe extern "C" fn x_read(file: *mut ffi::sqlite3_file, buf: *mut c_void, amount: c_int, offset: i64) -> c_int {
    // SAFETY: delegated as given.
    unsafe {
        let (real, m) = real_methods(file);
        (m.xRead.expect("xRead"))(real, buf, amount, offset)
    }
}

unsafe extern "C" fn x_write(file: *mut ffi::sqlite3_file, buf: *const c_void, amount: c_int, offset: i64) -> c_int {
    // SAFETY: `buf` holds `amount` bytes (SQLite's contract); delegated as given.
    unsafe {
        if let Some(path) = path_of(shim(file)) {
            let data = std::slice::from_raw_parts(buf.cast::<u8>(), amount as usize).to_vec();
            log(&Op::Write {
                path: path.to_string(),
                offset: offset as u64,
                data,
            });
        }
        let (real, m) = real_methods(file);
        (m.xWrite.expect("xWrite"))(real, buf, amount, offset)
    }
}

unsafe extern "C" fn x_truncate(file: *mut ffi::sqlite3_file, size: i64) -> c_int {
    // SAFETY: delegated as given.
    unsafe {
        if let Some(path) = path_of(shim(file)) {
            log(&Op::Truncate {
                path: path.to_string(),
                size: size as u64,
            });
        }
        let (real, m) = real_methods(file);
        (m.xTruncate.expect("xTruncate"))(real, size)
    }
}

/// A sync makes the file's writes so far durable in the harness's model (the real fsync is not
/// needed: the disk after the cut is built from the log). At the chosen sync, the power goes
/// before it is done.
unsafe extern "C" fn x_sync(file: *mut ffi::sqlite3_file, _flags: c_int) -> c_int {
    cut_if_chosen();
    // SAFETY: see [`shim`].
    if let Some(path) = unsafe { path_of(shim(file)) } {
        log(&Op::Sync { path: path.to_string() });
    }
    ffi::SQLITE_OK
}

unsafe extern "C" fn x_file_size(file: *mut ffi::sqlite3_file, size: *mut i64) -> c_int {
    // SAFETY: delegated as given.
    unsafe {
        let (real, m) = real_methods(file);
        (m.xFileSize.expect("xFileSize"))(real, size)
    }
}

unsafe extern "C" fn x_lock(file: *mut ffi::sqlite3_file, level: c_int) -> c_int {
    // SAFETY: delegated as given.
    unsafe {
        let (real, m) = real_methods(file);
        (m.xLock.expect("xLock"))(real, level)
    }
}

unsafe extern "C" fn x_unlock(file: *mut ffi::sqlite3_file, level: c_int) -> c_int {
    // SAFETY: delegated as given.
    unsafe {
        let (real, m) = real_methods(file);
        (m.xUnlock.expect("xUnlock"))(real, level)
    }
}

unsafe extern "C" fn x_check_reserved_lock(file: *mut ffi::sqlite3_file, out: *mut c_int) -> c_int {
    // SAFETY: delegated as given.
    unsafe {
        let (real, m) = real_methods(file);
        (m.xCheckReservedLock.expect("xCheckReservedLock"))(real, out)
    }
}

unsafe extern "C" fn x_file_control(file: *mut ffi::sqlite3_file, op: c_int, arg: *mut c_void) -> c_int {
    // SAFETY: delegated as given.
    unsafe {
        let (real, m) = real_methods(file);
        (m.xFileControl.expect("xFileControl"))(real, op, arg)
    }
}

unsafe extern "C" fn x_sector_size(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: delegated as given.
    unsafe {
        let (real, m) = real_methods(file);
        (m.xSectorSize.expect("xSectorSize"))(real)
    }
}

unsafe extern "C" fn x_device_characteristics(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: delegated as given.
    unsafe {
        let (real, m) = real_methods(file);
        (m.xDeviceCharacteristics.expect("xDeviceCharacteristics"))(real)
    }
}

unsafe extern "C" fn x_shm_map(
    file: *mut ffi::sqlite3_file,
    region: c_int,
    size: c_int,
    extend: c_int,
    out: *mut *mut c_void,
) -> c_int {
    // SAFETY: delegated as given; the shared memory is not durable and not modelled.
    unsafe {
        let (real, m) = real_methods(file);
        (m.xShmMap.expect("xShmMap"))(real, region, size, extend, out.cast())
    }
}

unsafe extern "C" fn x_shm_lock(file: *mut ffi::sqlite3_file, offset: c_int, n: c_int, flags: c_int) -> c_int {
    // SAFETY: delegated as given.
    unsafe {
        let (real, m) = real_methods(file);
        (m.xShmLock.expect("xShmLock"))(real, offset, n, flags)
    }
}

unsafe extern "C" fn x_shm_barrier(file: *mut ffi::sqlite3_file) {
    // SAFETY: delegated as given.
    unsafe {
        let (real, m) = real_methods(file);
        (m.xShmBarrier.expect("xShmBarrier"))(real);
    }
}

unsafe extern "C" fn x_shm_unmap(file: *mut ffi::sqlite3_file, delete: c_int) -> c_int {
    // SAFETY: delegated as given.
    unsafe {
        let (real, m) = real_methods(file);
        (m.xShmUnmap.expect("xShmUnmap"))(real, delete)
    }
}

unsafe extern "C" fn x_fetch(file: *mut ffi::sqlite3_file, offset: i64, amount: c_int, out: *mut *mut c_void) -> c_int {
    // Memory-mapped reads would bypass nothing we log, but keep it simple: never mapped.
    // SAFETY: `out` is SQLite's.
    unsafe {
        let _ = (file, offset, amount);
        *out = std::ptr::null_mut();
    }
    ffi::SQLITE_OK
}

unsafe extern "C" fn x_unfetch(_file: *mut ffi::sqlite3_file, _offset: i64, _page: *mut c_void) -> c_int {
    ffi::SQLITE_OK
}
