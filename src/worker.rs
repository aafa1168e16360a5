//! Reading processes: each input is read, interpreted and checked (the per-file pipeline) in a
//! process of its own kind, so that no file can stop the run. A library that loops for ever on
//! a damaged file is stopped after `--file-timeout`; one that exhausts memory hits the reading
//! process's memory cap and ends it, not the run; even an abort takes one file with it. The
//! known traps are kept from the libraries by the readers' pre-checks; this is what holds for
//! the ones nobody has found yet.
//!
//! The command line starts `jobs` of them (its own executable, with [`ARG`]), hands each the
//! rules once and then one file at a time, and gets back the file's outcome, postcard-encoded,
//! exactly as the in-process pipeline makes it. A process that took too long is killed, one
//! that died is reported with what it said last, and a fresh one takes the next file. Outcomes
//! are put in input order, so nothing downstream depends on which process read what.

use std::ffi::OsStr;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::discover::{Format, InputFile, Listed, Status};
use crate::finding::Code;
use crate::pipeline::{self, FileOutcome};
use crate::read::Limits;
use crate::rules::{Rules, RulesOrigin};

/// The first argument that makes the executable a reading process.
pub const ARG: &str = "__jixiao-read-worker";

/// Is this the argument that makes the executable a reading process?
pub fn is_worker_arg(arg: &OsStr) -> bool {
    arg == ARG
}

/// How long a reading process may take to start (load the rules) before it is given up.
const STARTUP: Duration = Duration::from_secs(120);

/// How files are read in processes of their own.
#[derive(Debug, Clone)]
pub struct Isolation {
    /// The executable that serves as a reading process when given [`ARG`] (jixiao itself).
    pub exe: PathBuf,
    /// How long one file may take.
    pub file_timeout: Duration,
    /// The most memory (address space) a reading process may use, in bytes; 0: no cap.
    pub max_memory: u64,
}

#[derive(Serialize, Deserialize)]
struct Hello {
    rules_text: String,
    /// The `--rules` file's path, as bytes, when the rules came from one.
    rules_file: Option<Vec<u8>>,
    limits: Limits,
    max_memory: u64,
}

#[derive(Serialize, Deserialize)]
struct Job {
    path: Vec<u8>,
    display: String,
    format: Format,
    listed: Option<Listed>,
}

fn os_bytes(path: &Path) -> Vec<u8> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        path.as_os_str().as_bytes().to_vec()
    }
    #[cfg(not(unix))]
    {
        use std::os::windows::ffi::OsStrExt;
        path.as_os_str()
            .encode_wide()
            .flat_map(u16::to_le_bytes)
            .collect()
    }
}

fn os_path(bytes: &[u8]) -> PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        PathBuf::from(OsStr::from_bytes(bytes))
    }
    #[cfg(not(unix))]
    {
        use std::os::windows::ffi::OsStringExt;
        let wide: Vec<u16> = bytes
            .chunks_exact(2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
            .collect();
        PathBuf::from(std::ffi::OsString::from_wide(&wide))
    }
}

/// A frame: its length (u32, little-endian), then its postcard bytes.
fn send<T: Serialize>(out: &mut impl Write, value: &T) -> std::io::Result<()> {
    let bytes = postcard::to_stdvec(value).map_err(std::io::Error::other)?;
    let len = u32::try_from(bytes.len()).map_err(std::io::Error::other)?;
    out.write_all(&len.to_le_bytes())?;
    out.write_all(&bytes)?;
    out.flush()
}

/// The next frame, or None at the end of the stream.
fn receive<T: for<'de> Deserialize<'de>>(input: &mut impl Read) -> std::io::Result<Option<T>> {
    let mut len = [0u8; 4];
    match input.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let mut bytes = vec![0u8; u32::from_le_bytes(len) as usize];
    input.read_exact(&mut bytes)?;
    postcard::from_bytes(&bytes)
        .map(Some)
        .map_err(std::io::Error::other)
}

/// Runs a reading process: the rules, then files until the input ends. Returns the exit code.
pub fn serve() -> u8 {
    crate::scratch::install_quiet_panic_hook();
    die_with_parent();
    let mut input = BufReader::new(std::io::stdin().lock());
    let mut output = BufWriter::new(std::io::stdout().lock());
    let Ok(Some(hello)) = receive::<Hello>(&mut input) else {
        return 2;
    };
    cap_memory(hello.max_memory);
    let origin = match &hello.rules_file {
        Some(path) => RulesOrigin::File(os_path(path)),
        None => RulesOrigin::BuiltIn,
    };
    let Ok(rules) = Rules::from_toml(&hello.rules_text, origin) else {
        return 2;
    };
    // Ready: the run's clock for the first file starts now, not while the rules compile.
    if send(&mut output, &true).is_err() {
        return 2;
    }
    while let Ok(Some(job)) = receive::<Job>(&mut input) {
        let file = InputFile {
            path: os_path(&job.path),
            display: job.display,
            format: job.format,
            listed: job.listed,
        };
        let outcome = pipeline::process_file(&file, &rules, &hello.limits);
        if send(&mut output, &outcome).is_err() {
            return 2;
        }
    }
    0
}

/// On Linux a reading process ends with the run, even one killed with SIGKILL.
fn die_with_parent() {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl(PR_SET_PDEATHSIG) only sets this process's death signal.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
    }
}

/// Caps the process's address space, so that a file that would take all memory ends this
/// process (an allocation fails) rather than the machine's other work.
fn cap_memory(bytes: u64) {
    #[cfg(unix)]
    if bytes > 0 {
        // SAFETY: getrlimit/setrlimit on this process with a valid struct.
        unsafe {
            let mut limit = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            if libc::getrlimit(libc::RLIMIT_AS, &mut limit) == 0 {
                let wanted = bytes as libc::rlim_t;
                limit.rlim_cur = if limit.rlim_max == libc::RLIM_INFINITY {
                    wanted
                } else {
                    wanted.min(limit.rlim_max)
                };
                libc::setrlimit(libc::RLIMIT_AS, &limit);
            }
        }
    }
    #[cfg(not(unix))]
    let _ = bytes;
}

/// One reading process, seen from the run.
struct Worker {
    child: Child,
    stdin: BufWriter<ChildStdin>,
    outcomes: Receiver<FileOutcome>,
    /// The end of what it wrote on stderr (an allocation failure says so there).
    stderr: Arc<Mutex<Vec<u8>>>,
}

impl Worker {
    fn start(iso: &Isolation, hello: &Hello) -> std::io::Result<Worker> {
        let mut child = Command::new(&iso.exe)
            .arg(ARG)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        crate::scratch::register_child(child.id());
        let (Some(stdin), Some(stdout), Some(mut stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            let _ = child.kill();
            return Err(std::io::Error::other("no pipes to the reading process"));
        };
        let (tx, outcomes) = std::sync::mpsc::channel();
        let (ready_tx, ready) = std::sync::mpsc::channel();
        std::thread::Builder::new().spawn(move || {
            let mut stdout = BufReader::new(stdout);
            if !matches!(receive::<bool>(&mut stdout), Ok(Some(true))) {
                return;
            }
            let _ = ready_tx.send(());
            while let Ok(Some(outcome)) = receive::<FileOutcome>(&mut stdout) {
                if tx.send(outcome).is_err() {
                    break;
                }
            }
        })?;
        let tail = Arc::new(Mutex::new(Vec::new()));
        let keep = Arc::clone(&tail);
        std::thread::Builder::new().spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stderr.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if let Ok(mut t) = keep.lock() {
                    t.extend_from_slice(&buf[..n]);
                    let excess = t.len().saturating_sub(2048);
                    t.drain(..excess);
                }
            }
        })?;
        let mut worker = Worker {
            child,
            stdin: BufWriter::new(stdin),
            outcomes,
            stderr: tail,
        };
        send(&mut worker.stdin, hello)?;
        if ready.recv_timeout(STARTUP).is_err() {
            worker.end(true);
            return Err(std::io::Error::other("the reading process did not start"));
        }
        Ok(worker)
    }

    /// Stops it for good and says how it ended.
    fn end(mut self, kill: bool) -> String {
        if kill {
            let _ = self.child.kill();
        }
        drop(self.stdin);
        let status = self.child.wait();
        crate::scratch::forget_child(self.child.id());
        // Its stderr thread ends with the process; give it a moment to take the last words.
        std::thread::sleep(Duration::from_millis(20));
        let said = self
            .stderr
            .lock()
            .map(|t| String::from_utf8_lossy(&t).trim().to_string())
            .unwrap_or_default();
        let how = match status {
            Ok(s) => describe(s),
            Err(e) => e.to_string(),
        };
        if said.is_empty() {
            how
        } else {
            let last = said.lines().last().unwrap_or("").to_string();
            format!("{how}: {last}")
        }
    }
}

fn describe(status: std::process::ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            let name = match signal {
                libc::SIGABRT => "SIGABRT (aborted; often memory exhausted)",
                libc::SIGKILL => "SIGKILL",
                libc::SIGSEGV => "SIGSEGV",
                libc::SIGBUS => "SIGBUS",
                _ => "a signal",
            };
            return format!("ended by signal {signal}, {name}");
        }
    }
    format!("{status}")
}

/// Reads every input in reading processes, `jobs` at a time; outcomes in input order.
/// `progress` is called after each file. Where no reading process can be started at all, the
/// files are read in this process instead (without the time and memory bounds).
pub fn process_all(
    inputs: &[InputFile],
    rules: &Rules,
    limits: &Limits,
    jobs: usize,
    iso: &Isolation,
    progress: &(dyn Fn() + Sync),
) -> Vec<FileOutcome> {
    let hello = Hello {
        rules_text: rules.source_text.clone(),
        rules_file: match &rules.origin {
            RulesOrigin::File(path) => Some(os_bytes(path)),
            RulesOrigin::BuiltIn => None,
        },
        limits: *limits,
        max_memory: iso.max_memory,
    };
    let next = AtomicUsize::new(0);
    let results: Vec<Mutex<Option<FileOutcome>>> =
        inputs.iter().map(|_| Mutex::new(None)).collect();
    let jobs = jobs.clamp(1, inputs.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| {
                let mut worker: Option<Worker> = None;
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(input) = inputs.get(i) else { break };
                    let outcome = read_one(&mut worker, input, rules, limits, iso, &hello);
                    if let Ok(mut slot) = results[i].lock() {
                        *slot = Some(outcome);
                    }
                    progress();
                }
                if let Some(w) = worker {
                    w.end(false);
                }
            });
        }
    });
    results
        .into_iter()
        .zip(inputs)
        .map(|(slot, input)| {
            slot.into_inner().ok().flatten().unwrap_or_else(|| {
                FileOutcome::set_aside(
                    &input.display,
                    Status::Failed,
                    Code::InternalError,
                    "jixiao 未能处理该文件 (internal error: no outcome)",
                )
            })
        })
        .collect()
}

fn read_one(
    worker: &mut Option<Worker>,
    input: &InputFile,
    rules: &Rules,
    limits: &Limits,
    iso: &Isolation,
    hello: &Hello,
) -> FileOutcome {
    if worker.is_none() {
        match Worker::start(iso, hello) {
            Ok(w) => *worker = Some(w),
            // No process to be had (the executable gone, a process limit): read it here.
            Err(_) => return pipeline::process_file(input, rules, limits),
        }
    }
    let Some(w) = worker.as_mut() else {
        return pipeline::process_file(input, rules, limits);
    };
    let job = Job {
        path: os_bytes(&input.path),
        display: input.display.clone(),
        format: input.format,
        listed: input.listed.clone(),
    };
    let sent = send(&mut w.stdin, &job);
    let answer = match sent {
        Ok(()) => w.outcomes.recv_timeout(iso.file_timeout),
        Err(_) => Err(RecvTimeoutError::Disconnected),
    };
    match answer {
        Ok(mut outcome) => {
            // One copy of the file's name for all its findings, as the pipeline keeps it.
            let shared: Arc<str> = Arc::from(outcome.display.as_str());
            for f in &mut outcome.findings {
                if f.file == shared {
                    f.file = Arc::clone(&shared);
                }
            }
            outcome
        }
        Err(RecvTimeoutError::Timeout) => {
            if let Some(w) = worker.take() {
                w.end(true);
            }
            let secs = iso.file_timeout.as_secs_f64();
            FileOutcome::set_aside(
                &input.display,
                Status::Failed,
                Code::ReadTimeout,
                &format!(
                    "读取超过 {secs} 秒,已停止 (reading took longer than --file-timeout {secs} s; stopped)"
                ),
            )
        }
        Err(RecvTimeoutError::Disconnected) => {
            let how = worker.take().map(|w| w.end(true)).unwrap_or_default();
            FileOutcome::set_aside(
                &input.display,
                Status::Failed,
                Code::ReaderCrashed,
                &format!(
                    "读取进程在处理该文件时异常退出 (the reading process ended abnormally: {how})"
                ),
            )
        }
    }
}
