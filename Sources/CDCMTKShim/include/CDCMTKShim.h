// CDCMTKShim: DCMTK (and OpenJPEG for JPEG 2000 / HTJ2K, OpenJPH for HTJ2K, CharLS for JPEG-LS) behind a pure C interface.
//
// This module provides no stable Swift API: only MammoPrep's Ingest stage imports it, and no C type
// appears in MammoPrep's public interface. Every entry point catches C++ exceptions and returns a
// status plus, where useful, a message written into a caller-supplied buffer. DCMTK's own logging
// (oflog) is switched off when the first file is opened.
//
// Concerns, one source file each: dataset access (dataset.cpp), fragment → frame mapping
// (fragments.cpp), native and DCMTK-codec frames (codec_dcmtk.cpp), OpenJPEG (codec_openjpeg.cpp),
// CharLS (codec_charls.cpp); OpenJPH (codec_openjph.cpp, guarded by the marker walk in htj2k_check.cpp
// and the packet-header replay in htj2k_packets.cpp).
// Which decoder a frame goes to is the caller's choice (MammoPrep's FrameDecoder, from the transfer
// syntax and the decode options): the shim holds no process-wide settings.
//
// Ownership: a file handle comes from CDCMTKShim_open and must be released with CDCMTKShim_close.
// A handle may be used by one thread at a time; distinct handles may be used concurrently.
#ifndef CDCMTKSHIM_H
#define CDCMTKSHIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Result of every entry point. Messages never contain attribute values (no patient data).
typedef enum {
    CDCMTKShim_OK = 0,
    CDCMTKShim_ErrIO = 1,                  ///< file cannot be opened or read
    CDCMTKShim_ErrNotDICOM = 2,            ///< content is not a DICOM dataset
    CDCMTKShim_ErrTruncated = 3,           ///< the file ends inside an element
    CDCMTKShim_ErrNotFound = 4,            ///< attribute or sequence item absent
    CDCMTKShim_ErrNoPixelData = 5,         ///< no (7FE0,0010) Pixel Data
    CDCMTKShim_ErrUnsupportedSyntax = 6,   ///< no decoder for the transfer syntax
    CDCMTKShim_ErrCorruptStream = 7,       ///< a codec rejected the compressed frame
    CDCMTKShim_ErrShortPixelData = 8,      ///< native pixel data shorter than the frame needs
    CDCMTKShim_ErrFrameRange = 9,          ///< frame index beyond the data present
    CDCMTKShim_ErrBufferTooSmall = 10,     ///< caller's buffer cannot hold the result
    CDCMTKShim_ErrBadValue = 11,           ///< attribute present but of an unusable VR or form
    CDCMTKShim_ErrGeometry = 12,           ///< decoded frame disagrees with Rows/Columns/Samples
    CDCMTKShim_ErrInternal = 13,           ///< unexpected C++ exception or allocation failure
    CDCMTKShim_ErrDeclined = 14,           ///< a valid codestream this decoder declines (see the codec)
    CDCMTKShim_ErrUnterminated = 15        ///< a compressed frame lacks its end marker (JPEG-LS EOI): truncated
} CDCMTKShim_Status;

/// Opaque handle to one opened DICOM file.
typedef struct CDCMTKShim_File CDCMTKShim_File;

/// One step into a nested sequence: item `item` (0-based) of sequence `tag` ((group << 16) | element).
typedef struct {
    uint32_t tag;
    uint32_t item;
} CDCMTKShim_PathStep;

/// What the pixel data element looks like, without decoding it.
typedef struct {
    int32_t present;          ///< 1 when (7FE0,0010) exists
    int32_t encapsulated;     ///< 1 when stored as a sequence of fragments (compressed syntax)
    uint64_t nativeLength;    ///< byte length of native pixel data (0 when encapsulated)
    uint32_t fragments;       ///< number of fragments after the offset table (encapsulated)
} CDCMTKShim_PixelInfo;

/// Opens a DICOM file (Part 10, or a bare dataset DCMTK can parse). Large values, including
/// pixel data, stay on disk until asked for, so opening a multi-frame volume is cheap. Recognising
/// the content as DICOM is the caller's job (MammoPrep's ImageFormat.detect), done before this.
CDCMTKShim_Status CDCMTKShim_open(const char *path, CDCMTKShim_File **outFile,
                                  char *message, size_t messageCapacity);

/// CDCMTKShim_open for a file held in memory (`length` bytes at `bytes`): every value, pixel data
/// included, is copied into the handle, so the bytes may be released when this returns. A value
/// running past the end of the buffer is ErrTruncated.
CDCMTKShim_Status CDCMTKShim_openMemory(const uint8_t *bytes, size_t length, CDCMTKShim_File **outFile,
                                        char *message, size_t messageCapacity);

/// Releases a handle from CDCMTKShim_open or CDCMTKShim_openMemory. NULL is ignored.
void CDCMTKShim_close(CDCMTKShim_File *file);

/// The transfer syntax UID the dataset was read with.
CDCMTKShim_Status CDCMTKShim_transferSyntax(const CDCMTKShim_File *file, char *buffer, size_t capacity);

/// Pixel data facts (presence, encapsulation, native length, fragment count).
CDCMTKShim_Status CDCMTKShim_pixelInfo(CDCMTKShim_File *file, CDCMTKShim_PixelInfo *info);

/// Number of items in sequence `seqTag` inside the item reached by `path` (NULL/0: top level).
/// Returns -1 when the sequence or the path is absent.
int64_t CDCMTKShim_itemCount(CDCMTKShim_File *file, const CDCMTKShim_PathStep *path, size_t pathLength,
                             uint32_t seqTag);

// Attribute accessors. ErrNotFound: the attribute (or a sequence item on `path`) is absent.
// ErrBadValue: present but unusable; `reason` (may be NULL) then says why, naming neither the tag
// (the caller knows it) nor the value (no patient data), e.g. "value not a decimal string".
// Group 0002 tags at the top level (empty path) are read from the File Meta Information.

/// Whole string value of `tag` (multiple values joined by backslashes). `*needed` receives the
/// length without the terminating NUL; ErrBufferTooSmall asks the caller to retry bigger.
CDCMTKShim_Status CDCMTKShim_getString(CDCMTKShim_File *file, const CDCMTKShim_PathStep *path,
                                       size_t pathLength, uint32_t tag,
                                       char *buffer, size_t capacity, size_t *needed,
                                       char *reason, size_t reasonCapacity);

/// All values of a numeric attribute (US, SS, UL, SL, FL, FD, DS, IS) as doubles.
/// `*count` receives the value multiplicity.
CDCMTKShim_Status CDCMTKShim_getNumbers(CDCMTKShim_File *file, const CDCMTKShim_PathStep *path,
                                        size_t pathLength, uint32_t tag,
                                        double *values, size_t capacity, size_t *count,
                                        char *reason, size_t reasonCapacity);

/// The raw 16-bit words of a US, SS, OW or xs attribute (LUT Descriptor, LUT Data, Pixel Padding
/// Value), in host byte order, with no interpretation of sign. `*count` receives the word count.
CDCMTKShim_Status CDCMTKShim_getWords(CDCMTKShim_File *file, const CDCMTKShim_PathStep *path,
                                      size_t pathLength, uint32_t tag,
                                      uint16_t *words, size_t capacity, size_t *count,
                                      char *reason, size_t reasonCapacity);

/// Which decoder produced a frame.
typedef enum {
    CDCMTKShim_CodecNative = 0,    ///< native (uncompressed) pixel data, read as stored
    CDCMTKShim_CodecDCMTK = 1,     ///< a DCMTK codec: JPEG, JPEG-LS, RLE
    CDCMTKShim_CodecOpenJPEG = 2,  ///< OpenJPEG: JPEG 2000, HTJ2K
    CDCMTKShim_CodecCharLS = 3,    ///< CharLS: JPEG-LS
    CDCMTKShim_CodecOpenJPH = 4    ///< OpenJPH: HTJ2K
} CDCMTKShim_Codec;

/// How a frame was decoded. Samples are always delivered as 16-bit words in host byte order,
/// exactly as the codec or the file holds them: *not* masked to Bits Stored, *not* sign-extended
/// (that is the caller's job, done in one tested place).
typedef struct {
    CDCMTKShim_Codec codec;
    int32_t precision;        ///< codecs over byte buffers: component precision in bits; otherwise 0
    int32_t isSigned;         ///< codecs over byte buffers: 1 when the codestream declares signed samples
    int32_t threads;          ///< decoder threads used (1 except for OpenJPEG)
    int32_t reduced;          ///< resolution levels discarded (CDCMTKShim_Reduction); the words are then
                              ///< ceil(rows / 2^reduced) x ceil(columns / 2^reduced)
} CDCMTKShim_FrameInfo;

/// A request to a wavelet decoder (JPEG 2000, HTJ2K) to discard `levels` resolution levels, i.e.
/// to deliver the LL band of `levels` levels of the 5/3 reversible transform (ITU-T T.800 F.3).
/// The decoder honours it only when that band equals the forward transform of the full-resolution
/// image: one component, one tile covering the image, image and tile origin 0, the 5/3 reversible
/// filter with at least `levels` decomposition levels, and signedness equal to `signedSamples`.
/// Otherwise it decodes the full resolution and reports `reduced` 0. `levels` 0: full resolution.
typedef struct {
    uint32_t levels;
    int32_t signedSamples;    ///< 1 when Pixel Representation is 1
} CDCMTKShim_Reduction;

// ---- Frames held in the file (native, DCMTK codecs) ------------------------------------------
// Both check Bits Allocated (8 or 16), the frame index against Number of Frames and `wordCapacity`
// against Rows × Columns × Samples per Pixel, and read only this frame's bytes (or fragments).
// 8-bit samples are widened to 16-bit words.

/// Native pixel data: frame `frameIndex` (0-based) into `words`, swapped to host order.
CDCMTKShim_Status CDCMTKShim_readNativeFrame(CDCMTKShim_File *file, uint32_t frameIndex,
                                             uint16_t *words, size_t wordCapacity,
                                             CDCMTKShim_FrameInfo *info,
                                             char *message, size_t messageCapacity);

/// Encapsulated pixel data DCMTK has a codec for (JPEG processes 1, 2/4, 14, SV1; JPEG-LS; RLE).
/// Sequential reads of the frames of one handle reuse DCMTK's start-fragment hint.
CDCMTKShim_Status CDCMTKShim_decodeDCMTKFrame(CDCMTKShim_File *file, uint32_t frameIndex,
                                              uint16_t *words, size_t wordCapacity,
                                              CDCMTKShim_FrameInfo *info,
                                              char *message, size_t messageCapacity);

// ---- Encapsulated frame bytes, for decoders outside DCMTK -----------------------------------

/// One frame's compressed bytes. `data` stays valid until CDCMTKShim_releaseFrameBytes or
/// CDCMTKShim_close, whichever comes first; `owner` is the shim's (NULL when `data` points into
/// the dataset's own fragment, non-NULL when several fragments were joined into a copy).
typedef struct {
    const uint8_t *data;
    size_t size;
    void *owner;
} CDCMTKShim_FrameBytes;

/// The bytes of frame `frameIndex` of encapsulated pixel data: the frame's fragments, joined when
/// there are several. Fragments are mapped to frames by, in order: one frame → all fragments; the
/// Basic Offset Table; one fragment per frame; JPEG 2000 SOC/SIZ markers or a JPEG-LS SOI marker
/// (FFD8 followed by SOF55, COM or APPn, as DCMTK's JPEG-LS codec looks for) at fragment starts.
CDCMTKShim_Status CDCMTKShim_frameBytes(CDCMTKShim_File *file, uint32_t frameIndex,
                                        CDCMTKShim_FrameBytes *bytes,
                                        char *message, size_t messageCapacity);

/// Releases what CDCMTKShim_frameBytes handed out and clears `*bytes`. NULL is ignored.
void CDCMTKShim_releaseFrameBytes(CDCMTKShim_FrameBytes *bytes);

// ---- Codecs over byte buffers -----------------------------------------------------------------

/// Decodes one JPEG 2000 / HTJ2K codestream (or a JP2 file, which some writers embed) with
/// OpenJPEG into `words` (rows × columns 16-bit words, the low 16 bits of each sample). The
/// codestream must have `samples` components of `columns` × `rows`. `threads`: decoder threads
/// for this call (1: none; 0: all cores). `reduction`: see CDCMTKShim_Reduction (NULL: full).
CDCMTKShim_Status CDCMTKShim_decodeOpenJPEG(const uint8_t *data, size_t size,
                                            uint32_t rows, uint32_t columns, uint32_t samples,
                                            int32_t threads, const CDCMTKShim_Reduction *reduction,
                                            uint16_t *words, size_t wordCapacity,
                                            CDCMTKShim_FrameInfo *info,
                                            char *message, size_t messageCapacity);

/// Decodes one JPEG-LS codestream (ISO/IEC 14495-1) with CharLS into `words` (rows × columns ×
/// samples 16-bit words; samples of 8 bits or fewer are widened). The codestream must have
/// `samples` components of `columns` × `rows` (else ErrGeometry). A codestream CharLS rejects, or
/// one without an EOI marker (which CharLS is not given: see codec_charls.cpp): ErrCorruptStream,
/// "JPEG-LS decode: <reason>". Bytes after the last EOI are ignored. ErrUnsupportedCoding: preset coding
/// parameters (ISO/IEC 14495-1 C.2.4.1.1) that DCMTK's JPEG-LS codec resolves differently from the
/// standard — an LSE MAXVAL other than 2^P − 1, default thresholds for MAXVAL < 128 — so that the
/// caller can decode the frame with CDCMTKShim_decodeDCMTKFrame and get the values DCMTK gives.
/// ErrDeclined also when CharLS (libcharls.so.2, loaded on first use) cannot be loaded.
/// `info`: precision = bits per sample P, isSigned 0 (JPEG-LS does not declare signedness).
CDCMTKShim_Status CDCMTKShim_decodeCharLS(const uint8_t *data, size_t size,
                                          uint32_t rows, uint32_t columns, uint32_t samples,
                                          uint16_t *words, size_t wordCapacity,
                                          CDCMTKShim_FrameInfo *info,
                                          char *message, size_t messageCapacity);

/// Decodes one HTJ2K codestream with OpenJPH into `words`, as CDCMTKShim_decodeOpenJPEG (one
/// thread: OpenJPH 0.9 has none; output clamped to the sample range, as OpenJPEG's). Refuses,
/// before OpenJPH sees the bytes, what OpenJPH 0.9 would misread and the malformed marker segments
/// and packet headers that make it overrun, assert or loop (htj2k_check.h; corruption inside an
/// HT code-block is only found by decoding): ErrUnsupportedSyntax for a well-formed codestream it
/// cannot decode (a JP2 file, JPEG 2000 Part 1 code-blocks, COC/RGN/POC/PPM/PPT or tile-part
/// COD/QCD markers, several quality layers), ErrCorruptStream for a malformed one or one OpenJPH
/// rejects; the caller may then try OpenJPEG. `reduction`: see CDCMTKShim_Reduction (NULL: full).
/// OpenJPH's message streams are redirected on first use, once per process (its warnings would
/// otherwise go to stdout, its errors to stderr).
CDCMTKShim_Status CDCMTKShim_decodeOpenJPH(const uint8_t *data, size_t size,
                                           uint32_t rows, uint32_t columns, uint32_t samples,
                                           const CDCMTKShim_Reduction *reduction,
                                           uint16_t *words, size_t wordCapacity,
                                           CDCMTKShim_FrameInfo *info,
                                           char *message, size_t messageCapacity);

/// Whether an HTJ2K codestream's main header names the reversible 5/3 filter (1) or the
/// irreversible 9/7 filter (0); -1 when it is no HTJ2K codestream OpenJPH would read (see
/// CDCMTKShim_decodeOpenJPH). Reads the main header only.
int32_t CDCMTKShim_htj2kReversible(const uint8_t *data, size_t size);

/// DCMTK, OpenJPEG, CharLS and OpenJPH version strings, for the manifest.
const char *CDCMTKShim_dcmtkVersion(void);
const char *CDCMTKShim_openjpegVersion(void);
const char *CDCMTKShim_charlsVersion(void);
const char *CDCMTKShim_openjphVersion(void);

#ifdef __cplusplus
}
#endif

#endif // CDCMTKSHIM_H
