//! Files written atomically: into a temporary file beside the target, synced,
//! then renamed over it, so a reader (or a resumed run) sees the old file or
//! the whole new one, never a part; the temporary file is removed on error.

use std::fs;
use std::io::Write;
use std::path::Path;

/// Writes `path` with `fill` through `PATH.EXT.tmp` and a rename.
pub fn write_atomic(
    path: &Path,
    fill: impl FnOnce(&mut fs::File) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let tmp = path.with_extension(format!(
        "{}.tmp",
        path.extension().and_then(|e| e.to_str()).unwrap_or("")
    ));
    let result = (|| {
        let mut file = fs::File::create(&tmp)?;
        fill(&mut file)?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Writes text to `path` through a temporary file and a rename.
pub fn write_text_atomic(path: &Path, text: &str) -> std::io::Result<()> {
    write_atomic(path, |f| f.write_all(text.as_bytes()))
}
