//! An output directory written whole: staged beside its target and swapped into place
//! ([`OutputDir`]), and the recovery of what a killed command left ([`recover`],
//! [`recover_in_place`]). `docs/outputs.md` ("How outputs are written") gives the protocol
//! and its crash points. Knows nothing of the files a command writes into the stage.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

use super::failed;
use super::temp::{discard, parse_temp, remove, split, stale, sync_dir, temp_name, Kind};

/// `path` with a final symbolic link followed, the directory it is in and its name; refused
/// when it has no name of its own or holds the current directory (swapping it would leave
/// the shell in a removed directory).
fn resolve(path: &Path) -> io::Result<(PathBuf, PathBuf, OsString)> {
    let refuse = |why: &str| {
        failed(
            path,
            "cannot write the outputs here",
            io::Error::new(io::ErrorKind::InvalidInput, why.to_string()),
        )
    };
    let target = match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            fs::canonicalize(path).map_err(|e| failed(path, "cannot follow the link", e))?
        }
        _ => path.to_path_buf(),
    };
    let Some((parent, name)) = split(&target) else {
        return Err(refuse("name a directory of its own (e.g. --out out)"));
    };
    if let (Ok(here), Ok(there)) = (
        std::env::current_dir().and_then(fs::canonicalize),
        fs::canonicalize(&target),
    ) {
        if here.starts_with(&there) {
            return Err(refuse(
                "it holds the current directory; name a directory of its own",
            ));
        }
    }
    Ok((target, parent, name))
}

/// Finishes or undoes what killed commands left beside the output directory `target`: a
/// directory written whole (`new`) is swapped in, a replaced one (`old`) put back when the
/// target is missing and no new one exists, and every other temporary of a process that is
/// gone is removed. Every command that writes `target` calls it first; a missing parent is
/// nothing to recover.
pub fn recover(target: &Path) -> io::Result<()> {
    let (target, parent, name) = resolve(target)?;
    recover_in(&target, &parent, &name)
}

/// [`recover`] for a command that writes into the directory `dir` without replacing it
/// (`overbook report DIR`): a directory that [`OutputDir`] refuses to replace (`.`, one that
/// holds the current directory) is written in place, with nothing to recover.
pub fn recover_in_place(dir: &Path) -> io::Result<()> {
    match resolve(dir) {
        Ok((target, parent, name)) => recover_in(&target, &parent, &name),
        Err(e) if e.kind() == io::ErrorKind::InvalidInput => Ok(()),
        Err(e) => Err(e),
    }
}

fn recover_in(target: &Path, parent: &Path, name: &OsStr) -> io::Result<()> {
    let found = stale(parent, name)?;
    if found.is_empty() {
        return Ok(());
    }
    let of = |k: Kind| -> Vec<PathBuf> {
        found
            .iter()
            .filter(|(kind, _)| *kind == k)
            .map(|(_, p)| p.clone())
            .collect()
    };
    let (tmp, mut new, mut old) = (of(Kind::Tmp), of(Kind::New), of(Kind::Old));
    for p in &tmp {
        remove(p)?;
    }
    let exists = fs::symlink_metadata(target).is_ok();
    // a complete directory wins: its command got past its commit point. There is at most one
    // unless two commands wrote the same target at once; the last by name is kept.
    if let Some(winner) = new.pop() {
        if exists {
            let aside = parent.join(temp_name(name, Kind::Old));
            fs::rename(target, &aside).map_err(|e| failed(target, "cannot replace", e))?;
            old.push(aside);
        }
        fs::rename(&winner, target).map_err(|e| failed(target, "cannot replace", e))?;
        sync_dir(parent);
    } else if !exists {
        if let Some(back) = old.pop() {
            fs::rename(&back, target).map_err(|e| failed(target, "cannot restore", e))?;
            sync_dir(parent);
        }
    }
    for p in new.iter().chain(&old) {
        discard(parent, name, p)?;
    }
    sync_dir(parent);
    Ok(())
}

/// Syncs every file and directory under `dir` to disk (a full disk often shows here).
fn sync_tree(dir: &Path) -> io::Result<()> {
    for entry in fs::read_dir(dir).map_err(|e| failed(dir, "cannot write", e))? {
        let entry = entry.map_err(|e| failed(dir, "cannot write", e))?;
        let path = entry.path();
        let kind = entry
            .file_type()
            .map_err(|e| failed(&path, "cannot write", e))?;
        if kind.is_dir() {
            sync_tree(&path)?;
        } else if kind.is_file() {
            File::open(&path)
                .and_then(|f| f.sync_all())
                .map_err(|e| failed(&path, "cannot write", e))?;
        }
    }
    sync_dir(dir);
    Ok(())
}

/// Fills the new directory `to` with what `from` holds: files as hard links (a copy where
/// the file system refuses links), directories made anew, temporaries left out.
fn carry(from: &Path, to: &Path) -> io::Result<()> {
    for entry in fs::read_dir(from).map_err(|e| failed(from, "cannot read", e))? {
        let entry = entry.map_err(|e| failed(from, "cannot read", e))?;
        let name = entry.file_name();
        if parse_temp(&name).is_some() {
            continue;
        }
        let (src, dst) = (entry.path(), to.join(&name));
        let kind = entry
            .file_type()
            .map_err(|e| failed(&src, "cannot read", e))?;
        if kind.is_dir() {
            fs::create_dir(&dst).map_err(|e| failed(&dst, "cannot write", e))?;
            carry(&src, &dst)?;
            if let Ok(meta) = fs::metadata(&src) {
                let _ = fs::set_permissions(&dst, meta.permissions());
            }
        } else if let Err(e) = fs::hard_link(&src, &dst) {
            if !kind.is_file() {
                return Err(failed(&dst, "cannot write", e));
            }
            fs::copy(&src, &dst).map_err(|e| failed(&dst, "cannot write", e))?;
        }
    }
    Ok(())
}

/// An output directory written whole: staged beside its target as
/// `.<name>.tmp-<pid>-<n>`, holding from the start what the target holds (hard links; a
/// command replaces what it writes and keeps the rest), then swapped into place by
/// [`OutputDir::commit`]. Until the commit the target is untouched; dropped without one (an
/// error on the way), the stage is removed, with the directories [`OutputDir::begin`] made.
///
/// Files in the stage must be written under new names (a temporary, then a rename, as
/// [`write_atomic`](super::write_atomic) does) or after [`OutputDir::fresh`], never in
/// place: a carried file is a link to the target's own.
pub struct OutputDir {
    /// The target, a final symbolic link followed.
    resolved: PathBuf,
    /// The target as the command named it, for messages.
    target: PathBuf,
    parent: PathBuf,
    name: OsString,
    /// The stage's current path (its name changes at the commit).
    stage: PathBuf,
    /// Directories `begin` created for the parent, outermost first.
    created: Vec<PathBuf>,
    done: bool,
}

impl OutputDir {
    /// Recovers `target` (see [`recover`]), then stages a directory beside it holding what it
    /// holds now. The target must be a directory or missing.
    pub fn begin(target: &Path) -> io::Result<OutputDir> {
        let (resolved, parent, name) = resolve(target)?;
        recover_in(&resolved, &parent, &name)?;
        let mut created = vec![];
        for dir in parent.ancestors().collect::<Vec<_>>().into_iter().rev() {
            if dir.as_os_str().is_empty() || fs::symlink_metadata(dir).is_ok() {
                continue;
            }
            match fs::create_dir(dir) {
                Ok(()) => created.push(dir.to_path_buf()),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => {
                    remove_created(&created);
                    return Err(failed(dir, "cannot create the directory", e));
                }
            }
        }
        let out = OutputDir {
            stage: parent.join(temp_name(&name, Kind::Tmp)),
            resolved,
            target: target.to_path_buf(),
            parent,
            name,
            created,
            done: false,
        };
        let existing = fs::metadata(&out.resolved).ok();
        if existing.as_ref().is_some_and(|m| !m.is_dir()) {
            return Err(failed(
                &out.target,
                "cannot write the outputs",
                io::Error::new(io::ErrorKind::AlreadyExists, "it is not a directory"),
            ));
        }
        fs::create_dir(&out.stage).map_err(|e| failed(&out.target, "cannot write", e))?;
        if let Some(meta) = existing {
            carry(&out.resolved, &out.stage)?;
            let _ = fs::set_permissions(&out.stage, meta.permissions());
        }
        Ok(out)
    }

    /// Where the command writes its files.
    pub fn path(&self) -> &Path {
        &self.stage
    }

    /// The target, as the command named it.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Removes `name` (a file or a directory) from the stage, so that what the target held
    /// under that name is not kept.
    pub fn fresh(&self, name: &str) -> io::Result<()> {
        remove(&self.stage.join(name))
    }

    /// `message` with the stage's path replaced by the target's: errors name the file the
    /// user will look for.
    pub fn explain(&self, message: &dyn fmt::Display) -> String {
        message.to_string().replace(
            &self.stage.display().to_string(),
            &self.target.display().to_string(),
        )
    }

    /// Syncs the stage, marks it complete (renamed `.<name>.new-<pid>-<n>`: the commit
    /// point), moves the target aside (`.old-`), renames the stage into its place and removes
    /// the old directory. On an error before the swap the target is left as it was.
    pub fn commit(mut self) -> io::Result<()> {
        self.mark()?;
        let old = self.set_aside()?;
        self.swap_in(old.as_deref())?;
        if let Some(old) = old {
            // a failure here leaves a stale directory that the next command removes
            let _ = discard(&self.parent, &self.name, &old);
        }
        Ok(())
    }

    // `mark`, `set_aside` and `swap_in` are visible to the crash tests (`files/tests.rs`),
    // which stop a commit between its steps
    /// Syncs the stage and renames it `.<name>.new-<pid>-<n>`: from here on it is the result.
    pub(super) fn mark(&mut self) -> io::Result<()> {
        sync_tree(&self.stage).map_err(|e| io::Error::new(e.kind(), self.explain(&e)))?;
        let complete = self.parent.join(temp_name(&self.name, Kind::New));
        fs::rename(&self.stage, &complete).map_err(|e| failed(&self.target, "cannot write", e))?;
        self.stage = complete;
        sync_dir(&self.parent);
        Ok(())
    }

    /// Renames the target, when there is one, `.<name>.old-<pid>-<n>`.
    pub(super) fn set_aside(&mut self) -> io::Result<Option<PathBuf>> {
        if fs::symlink_metadata(&self.resolved).is_err() {
            return Ok(None);
        }
        let aside = self.parent.join(temp_name(&self.name, Kind::Old));
        fs::rename(&self.resolved, &aside)
            .map_err(|e| failed(&self.target, "cannot replace", e))?;
        Ok(Some(aside))
    }

    /// Renames the complete stage into the target's place (on an error, puts `old` back).
    pub(super) fn swap_in(&mut self, old: Option<&Path>) -> io::Result<()> {
        if let Err(e) = fs::rename(&self.stage, &self.resolved) {
            if let Some(old) = old {
                let _ = fs::rename(old, &self.resolved);
            }
            return Err(failed(&self.target, "cannot replace", e));
        }
        self.done = true;
        sync_dir(&self.parent);
        Ok(())
    }
}

/// Removes the directories in `created` that are still empty, innermost first.
fn remove_created(created: &[PathBuf]) {
    for dir in created.iter().rev() {
        let _ = fs::remove_dir(dir);
    }
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        if !self.done {
            // the stage may be marked complete already (an error after the commit point)
            let _ = discard(&self.parent, &self.name, &self.stage);
            remove_created(&self.created);
        }
    }
}
