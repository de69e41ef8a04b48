//! The per-image metadata of the fetal-head set (`metadata.csv.gz`): the size of a pixel of
//! the 128×128 image in millimetres and the official head circumference, so that a predicted
//! mask can be measured as a sonographer would.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use flate2::read::GzDecoder;

/// What the metadata says about one image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImageMetadata {
    /// Side of one pixel of the stored (128×128) image, in millimetres.
    pub pixel_size_mm: f32,
    /// The head circumference the challenge publishes, in millimetres.
    pub official_hc_mm: f32,
}

/// Reads `metadata.csv.gz` into a map from (split, index) to the image's metadata.
///
/// # Errors
/// A message when the file cannot be read or lacks the columns.
pub fn read_metadata(path: &Path) -> Result<HashMap<(String, usize), ImageMetadata>, String> {
    let file = std::fs::File::open(path).map_err(|err| format!("{}: {err}", path.display()))?;
    let mut text = String::new();
    // The file is about 0.2 MB unpacked: a limit keeps a hostile one from filling memory.
    GzDecoder::new(file)
        .take(64 << 20)
        .read_to_string(&mut text)
        .map_err(|err| format!("{}: {err}", path.display()))?;
    parse_metadata(&text)
}

/// Parses the CSV text (header row first).
///
/// # Errors
/// A message naming a missing column or a bad row.
pub fn parse_metadata(text: &str) -> Result<HashMap<(String, usize), ImageMetadata>, String> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    let column = |name: &str| {
        header
            .iter()
            .position(|c| *c == name)
            .ok_or_else(|| format!("the metadata has no '{name}' column"))
    };
    let (split, index) = (column("split")?, column("index")?);
    let (pixel, hc) = (column("pixel_size_mm_128")?, column("hc_mm")?);
    let mut map = HashMap::new();
    for (row, line) in lines.enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split(',').collect();
        let field = |i: usize| {
            fields
                .get(i)
                .copied()
                .ok_or_else(|| format!("metadata row {} is short", row + 2))
        };
        let number = |i: usize| -> Result<f32, String> {
            field(i)?
                .parse::<f32>()
                .ok()
                .filter(|v| v.is_finite() && *v > 0.0)
                .ok_or_else(|| {
                    format!(
                        "metadata row {}: column {i} is not a positive number",
                        row + 2
                    )
                })
        };
        let position = field(index)?
            .parse::<usize>()
            .map_err(|err| format!("metadata row {}: {err}", row + 2))?;
        map.insert(
            (field(split)?.to_string(), position),
            ImageMetadata {
                pixel_size_mm: number(pixel)?,
                official_hc_mm: number(hc)?,
            },
        );
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_columns_by_name_and_rejects_bad_rows() {
        let text = "split,index,pixel_size_mm_128,hc_mm\ntrain,0,0.5,78.5\ntest,3,1.25,200\n";
        let map = parse_metadata(text).unwrap();
        assert_eq!(map[&("test".to_string(), 3)].pixel_size_mm, 1.25);
        assert_eq!(map[&("train".to_string(), 0)].official_hc_mm, 78.5);
        assert!(parse_metadata("split,index\ntrain,0\n").is_err());
        assert!(parse_metadata("split,index,pixel_size_mm_128,hc_mm\ntrain,0,-1,3\n").is_err());
    }
}
