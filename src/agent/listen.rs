//! The agent's socket: created where the profile's `listenerPath` says,
//! never taken from someone else, removed again at the end.

use std::io;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};

use crate::error::Error;

/// The listening socket, and which file it is (to remove it at the end
/// only if it is still ours).
pub struct Socket {
    pub listener: UnixListener,
    path: PathBuf,
    id: (u64, u64),
}

fn shown(p: &Path) -> String {
    crate::escape::escape_bytes(p.as_os_str().as_encoded_bytes())
}

/// Listens on `path`. A socket someone listens on is never taken over;
/// one nobody listens on (left by an agent that was killed) is replaced
/// only with `force`; anything else at `path` is left alone.
pub fn bind(path: &Path, force: bool) -> Result<Socket, Error> {
    let name = shown(path);
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(Error::Usage(format!(
                "--socket: cannot look at {name}: {e}"
            )));
        }
        Ok(m) if !m.file_type().is_socket() => {
            return Err(Error::Usage(format!(
                "--socket: {name} exists and is not a socket; not replaced"
            )));
        }
        Ok(_) => match UnixStream::connect(path) {
            Ok(_) => {
                return Err(Error::Usage(format!(
                    "--socket: {name} is in use: something listens on it already (another agent?)"
                )));
            }
            Err(e) if e.raw_os_error() == Some(libc::ECONNREFUSED) => {
                if !force {
                    return Err(Error::Usage(format!(
                        "--socket: {name} is a stale socket (nobody listens on it); --force \
                         replaces it"
                    )));
                }
                std::fs::remove_file(path).map_err(|e| {
                    Error::Usage(format!("--socket: cannot remove the stale {name}: {e}"))
                })?;
            }
            Err(e) => {
                return Err(Error::Usage(format!(
                    "--socket: {name} exists and cannot be checked ({e}); not replaced"
                )));
            }
        },
    }
    let listener = UnixListener::bind(path)
        .map_err(|e| Error::Usage(format!("--socket: cannot listen on {name}: {e}")))?;
    let id = std::fs::symlink_metadata(path).map_or((0, 0), |m| (m.dev(), m.ino()));
    Ok(Socket {
        listener,
        path: path.to_path_buf(),
        id,
    })
}

impl Socket {
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Removes the socket file, unless something else has taken its place.
    pub fn remove(&self) {
        if std::fs::symlink_metadata(&self.path).is_ok_and(|m| (m.dev(), m.ino()) == self.id) {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}
