//! The power-cut log: each file operation the writer did, in order, as the VFS saw SQLite's and
//! `custody_db::durable`'s watcher saw Custody's own (copies, renames, folder syncs).
//! One record per operation, written in one call: a kind byte, the path, and its fields.

/// One file operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// Opened (created if it was not there).
    Open {
        path: String,
    },
    Write {
        path: String,
        offset: u64,
        data: Vec<u8>,
    },
    Truncate {
        path: String,
        size: u64,
    },
    /// Everything written to this file before is on the disk.
    Sync {
        path: String,
    },
    Delete {
        path: String,
    },
    /// `path` renamed to `to`, replacing what was there.
    Rename {
        path: String,
        to: String,
    },
    /// `to` made a second name of the file at `path`.
    Link {
        path: String,
        to: String,
    },
    /// The names in the folder `path` (and, the journal being in order, every name change
    /// before) are on the disk.
    SyncFolder {
        path: String,
    },
}

impl Op {
    pub fn path(&self) -> &str {
        match self {
            Op::Open { path }
            | Op::Write { path, .. }
            | Op::Truncate { path, .. }
            | Op::Sync { path }
            | Op::Delete { path }
            | Op::Rename { path, .. }
            | Op::Link { path, .. }
            | Op::SyncFolder { path } => path,
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        let (kind, number, data): (u8, u64, &[u8]) = match self {
            Op::Open { .. } => (b'O', 0, &[]),
            Op::Write { offset, data, .. } => (b'W', *offset, data),
            Op::Truncate { size, .. } => (b'T', *size, &[]),
            Op::Sync { .. } => (b'S', 0, &[]),
            Op::Delete { .. } => (b'D', 0, &[]),
            Op::Rename { to, .. } => (b'R', 0, to.as_bytes()),
            Op::Link { to, .. } => (b'L', 0, to.as_bytes()),
            Op::SyncFolder { .. } => (b'F', 0, &[]),
        };
        let path = self.path().as_bytes();
        let mut out = Vec::with_capacity(1 + 4 + path.len() + 8 + 4 + data.len());
        out.push(kind);
        out.extend_from_slice(&(path.len() as u32).to_le_bytes());
        out.extend_from_slice(path);
        out.extend_from_slice(&number.to_le_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(data);
        out
    }

    /// Every whole record in `bytes`, in order (a last record cut short by the kill is left out).
    pub fn decode_all(bytes: &[u8]) -> Vec<Op> {
        let mut ops = Vec::new();
        let mut at = 0;
        let take = |at: &mut usize, n: usize| -> Option<&[u8]> {
            let slice = bytes.get(*at..*at + n)?;
            *at += n;
            Some(slice)
        };
        loop {
            let parsed = (|| {
                let kind = take(&mut at, 1)?[0];
                let len = u32::from_le_bytes(take(&mut at, 4)?.try_into().ok()?) as usize;
                let path = String::from_utf8(take(&mut at, len)?.to_vec()).ok()?;
                let number = u64::from_le_bytes(take(&mut at, 8)?.try_into().ok()?);
                let len = u32::from_le_bytes(take(&mut at, 4)?.try_into().ok()?) as usize;
                let data = take(&mut at, len)?.to_vec();
                Some(match kind {
                    b'O' => Op::Open { path },
                    b'W' => Op::Write {
                        path,
                        offset: number,
                        data,
                    },
                    b'T' => Op::Truncate { path, size: number },
                    b'S' => Op::Sync { path },
                    b'D' => Op::Delete { path },
                    b'R' => Op::Rename {
                        path,
                        to: String::from_utf8(data).ok()?,
                    },
                    b'L' => Op::Link {
                        path,
                        to: String::from_utf8(data).ok()?,
                    },
                    b'F' => Op::SyncFolder { path },
                    _ => return None,
                })
            })();
            match parsed {
                Some(op) => ops.push(op),
                None => return ops,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_read_back_and_a_torn_last_one_is_left_out() {
        let ops = vec![
            Op::Open { path: "/a".into() },
            Op::Write {
                path: "/a".into(),
                offset: 4096,
                data: vec![1, 2, 3],
            },
            Op::Sync { path: "/a".into() },
            Op::Truncate {
                path: "/a".into(),
                size: 10,
            },
            Op::Delete { path: "/a-wal".into() },
            Op::Rename {
                path: "/b".into(),
                to: "/a".into(),
            },
            Op::Link {
                path: "/a".into(),
                to: "/c".into(),
            },
            Op::SyncFolder { path: "/".into() },
        ];
        let mut bytes: Vec<u8> = ops.iter().flat_map(Op::encode).collect();
        assert_eq!(Op::decode_all(&bytes), ops);
        bytes.truncate(bytes.len() - 3);
        assert_eq!(Op::decode_all(&bytes), ops[..7]);
    }
}
