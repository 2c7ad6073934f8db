//! Snapshots: the latest keyframe decoded with openh264 and encoded as JPEG.
//!
//! This is the only decode near the live path, and it runs only when someone asks for a
//! snapshot, on a blocking thread, from a keyframe already in the hub's GOP cache.

use crate::frame::{Codec, Frame, StreamParams};
use crate::h264;

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("snapshots of H.265 streams are not supported yet")]
    H265,
    #[error("the keyframe could not be decoded: {0}")]
    Decode(String),
    #[error("image encoding failed: {0}")]
    Jpeg(String),
}

/// A decoded picture: width, height and RGB bytes.
pub struct Picture {
    pub width: usize,
    pub height: usize,
    pub rgb: Vec<u8>,
}

/// Decodes one keyframe to RGB.
pub fn keyframe_rgb(params: &StreamParams, keyframe: &Frame) -> Result<Picture, SnapshotError> {
    if params.codec != Codec::H264 {
        return Err(SnapshotError::H265);
    }
    let annex_b = h264::annex_b_with_params(&params.sps, &params.pps, &keyframe.data)
        .map_err(|e| SnapshotError::Decode(e.to_string()))?;
    let mut decoder = openh264::decoder::Decoder::new().map_err(|e| SnapshotError::Decode(e.to_string()))?;
    let yuv = decoder
        .decode(&annex_b)
        .map_err(|e| SnapshotError::Decode(e.to_string()))?
        .ok_or_else(|| SnapshotError::Decode("no picture".into()))?;
    use openh264::formats::YUVSource;
    let (width, height) = yuv.dimensions();
    let mut rgb = vec![0u8; width * height * 3];
    yuv.write_rgb8(&mut rgb);
    Ok(Picture { width, height, rgb })
}

/// Encodes a picture as JPEG of the given quality (1–100).
pub fn to_jpeg(p: &Picture, quality: u8) -> Result<Vec<u8>, SnapshotError> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality.clamp(1, 100))
        .encode(&p.rgb, p.width as u32, p.height as u32, image::ExtendedColorType::Rgb8)
        .map_err(|e| SnapshotError::Jpeg(e.to_string()))?;
    Ok(out)
}

/// Encodes a picture as PNG: lossless, so a masked region keeps exactly its fill colour.
pub fn to_png(p: &Picture) -> Result<Vec<u8>, SnapshotError> {
    use image::ImageEncoder;
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(&p.rgb, p.width as u32, p.height as u32, image::ExtendedColorType::Rgb8)
        .map_err(|e| SnapshotError::Jpeg(e.to_string()))?;
    Ok(out)
}

/// Decodes one keyframe and encodes it as a JPEG of the given quality (1–100).
pub fn keyframe_to_jpeg(params: &StreamParams, keyframe: &Frame, quality: u8) -> Result<Vec<u8>, SnapshotError> {
    to_jpeg(&keyframe_rgb(params, keyframe)?, quality)
}
