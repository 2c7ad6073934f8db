//! Photos offered as evidence are untrusted input: the type is decided by the bytes, the size
//! and dimensions are bounded, the whole image must decode, and metadata segments (EXIF with
//! its GPS position, XMP, comments) are removed before anything is stored. The pixels are
//! not re-encoded, so the stored file is the camera's own JPEG minus its metadata.

use crate::{AppError, Result};

/// Largest width or height accepted.
pub const MAX_SIDE: u32 = 8192;
/// Largest picture accepted (a 24-megapixel phone photo; decoding it takes about 72 MB).
pub const MAX_PIXELS: u64 = 24_000_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanPhoto {
    pub bytes: Vec<u8>,
    pub media_type: &'static str,
    pub width: u32,
    pub height: u32,
}

fn bad(msg: &str) -> AppError {
    AppError::Validation(format!("the photo is not a usable JPEG: {msg}"))
}

/// Application segments kept: JFIF (APP0), the ICC colour profile (APP2) and Adobe's colour
/// transform (APP14). Everything else of APP1–APP15 (EXIF, XMP, maker notes) and comments go.
fn keep_segment(marker: u8, body: &[u8]) -> bool {
    match marker {
        0xE0 => body.starts_with(b"JFIF\0") || body.starts_with(b"JFXX\0"),
        0xE2 => body.starts_with(b"ICC_PROFILE\0"),
        0xEE => body.starts_with(b"Adobe"),
        0xE1 | 0xE3..=0xED | 0xEF | 0xFE => false,
        _ => true,
    }
}

/// Checks a JPEG and returns it without metadata.
pub fn clean_photo(data: &[u8]) -> Result<CleanPhoto> {
    if data.len() > crate::cases::MAX_PHOTO_BYTES {
        return Err(AppError::Validation(format!(
            "a photo may be at most {} MiB",
            crate::cases::MAX_PHOTO_BYTES / (1024 * 1024)
        )));
    }
    if !data.starts_with(&[0xFF, 0xD8]) {
        return Err(AppError::Validation("only JPEG photos are accepted".into()));
    }
    let mut out = Vec::with_capacity(data.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    let mut pos = 2;
    let mut scanned = false;
    loop {
        if scanned {
            // Entropy-coded data: copy up to the next marker (0xFF followed by neither a
            // stuffed zero nor a restart marker).
            let start = pos;
            while pos + 1 < data.len()
                && !(data[pos] == 0xFF && data[pos + 1] != 0 && !(0xD0..=0xD7).contains(&data[pos + 1]))
            {
                pos += 1;
            }
            out.extend_from_slice(&data[start..pos]);
        }
        if pos + 2 > data.len() || data[pos] != 0xFF {
            return Err(bad(if scanned { "the file is cut short" } else { "broken segment structure" }));
        }
        let marker = data[pos + 1];
        if marker == 0xFF {
            pos += 1; // fill byte
            continue;
        }
        if marker == 0xD9 {
            if !scanned {
                return Err(bad("no image data before the end"));
            }
            // End of image. Whatever follows (a second picture, depth or gain maps with their
            // own metadata) is dropped.
            out.extend_from_slice(&[0xFF, 0xD9]);
            break;
        }
        if (0xD0..=0xD7).contains(&marker) || marker == 0x01 {
            return Err(bad("a marker out of place"));
        }
        if pos + 4 > data.len() {
            return Err(bad("the file is cut short"));
        }
        let len = u16::from_be_bytes([data[pos + 2], data[pos + 3]]) as usize;
        if len < 2 || pos + 2 + len > data.len() {
            return Err(bad("a segment runs past the end"));
        }
        let body = &data[pos + 4..pos + 2 + len];
        if keep_segment(marker, body) {
            out.extend_from_slice(&data[pos..pos + 2 + len]);
        }
        pos += 2 + len;
        scanned |= marker == 0xDA;
    }
    use image::ImageDecoder;
    let decoder = image::codecs::jpeg::JpegDecoder::new(std::io::Cursor::new(&out)).map_err(|e| bad(&e.to_string()))?;
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE || width as u64 * height as u64 > MAX_PIXELS {
        return Err(AppError::Validation(format!(
            "a photo may be at most {MAX_SIDE} pixels a side and {} megapixels",
            MAX_PIXELS / 1_000_000
        )));
    }
    let mut pixels = vec![0u8; decoder.total_bytes() as usize];
    decoder.read_image(&mut pixels).map_err(|e| bad(&e.to_string()))?;
    Ok(CleanPhoto { bytes: out, media_type: "image/jpeg", width, height })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 7) as u8, (y * 5) as u8, 90]));
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90).encode_image(&img).unwrap();
        out
    }

    /// An APP1 EXIF segment with a GPS IFD (latitude 26°54'N, as a phone writes it).
    fn exif_with_gps() -> Vec<u8> {
        let mut body = b"Exif\0\0MM\0*\0\0\0\x08".to_vec();
        body.extend_from_slice(b"\0\x01\x88\x25\0\x04\0\0\0\x01\0\0\0\x1a\0\0\0\0"); // IFD0: GPSInfo → 26
        body.extend_from_slice(b"\0\x01\0\x02\0\x02\0\0\0\x02N\0\0\0\0\0\0\0GPS 26.9N 112.61E");
        let mut seg = vec![0xFF, 0xE1];
        seg.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
        seg.extend_from_slice(&body);
        seg
    }

    fn decode(b: &[u8]) -> image::DynamicImage {
        image::load_from_memory_with_format(b, image::ImageFormat::Jpeg).unwrap()
    }

    #[test]
    fn exif_and_comments_are_removed_and_the_pixels_kept() {
        let plain = jpeg(64, 48);
        let mut tagged = plain[..2].to_vec();
        tagged.extend(exif_with_gps());
        tagged.extend_from_slice(&[0xFF, 0xFE, 0x00, 0x07, b'h', b'e', b'l', b'l', b'o']);
        tagged.extend_from_slice(&plain[2..]);
        assert!(tagged.windows(4).any(|w| w == b"Exif"));
        let clean = clean_photo(&tagged).unwrap();
        assert!(!clean.bytes.windows(4).any(|w| w == b"Exif"), "EXIF gone");
        assert!(!clean.bytes.windows(3).any(|w| w == b"GPS"), "GPS gone");
        assert!(!clean.bytes.windows(5).any(|w| w == b"hello"), "comment gone");
        assert_eq!((clean.width, clean.height), (64, 48));
        assert_eq!(decode(&clean.bytes), decode(&plain), "same pixels");
        // A clean file passes through unchanged.
        assert_eq!(clean_photo(&plain).unwrap().bytes, plain);
        // A second picture after the end of the first (with its own EXIF) is dropped, and so
        // is an APP segment between scans.
        let mut appended = plain.clone();
        appended.extend_from_slice(&[0xFF, 0xD8]);
        appended.extend(exif_with_gps());
        appended.extend_from_slice(&plain[2..]);
        let clean = clean_photo(&appended).unwrap();
        assert_eq!(clean.bytes, plain);
        let eoi = plain.len() - 2;
        let mut between = plain[..eoi].to_vec();
        between.extend(exif_with_gps());
        between.extend_from_slice(&plain[eoi..]);
        let clean = clean_photo(&between).unwrap();
        assert!(!clean.bytes.windows(3).any(|w| w == b"GPS"), "APP1 after the scan removed");
    }

    #[test]
    fn what_is_not_a_whole_jpeg_is_refused() {
        let plain = jpeg(16, 16);
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        let mut cut = plain.clone();
        cut.truncate(plain.len() - 40);
        let mut overrun = plain[..2].to_vec();
        overrun.extend_from_slice(&[0xFF, 0xE1, 0xFF, 0xFF, 1, 2, 3]);
        // Without its quantisation tables the image cannot be decoded.
        let mut no_tables = plain[..2].to_vec();
        let mut pos = 2;
        while plain[pos + 1] != 0xDA {
            let len = u16::from_be_bytes([plain[pos + 2], plain[pos + 3]]) as usize;
            if plain[pos + 1] != 0xDB {
                no_tables.extend_from_slice(&plain[pos..pos + 2 + len]);
            }
            pos += 2 + len;
        }
        no_tables.extend_from_slice(&plain[pos..]);
        for (what, data) in [
            ("png", png),
            ("empty", vec![]),
            ("cut", cut),
            ("overrun", overrun),
            ("only soi", vec![0xFF, 0xD8, 0xFF, 0xD9]),
            ("no quantisation tables", no_tables),
            ("too big", vec![0xFF; crate::cases::MAX_PHOTO_BYTES + 1]),
        ] {
            assert!(matches!(clean_photo(&data), Err(AppError::Validation(_))), "{what}");
        }
    }
}
