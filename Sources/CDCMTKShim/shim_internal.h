// Helpers shared by the shim's source files. Not part of the C interface (include/CDCMTKShim.h).
#ifndef CDCMTKSHIM_INTERNAL_H
#define CDCMTKSHIM_INTERNAL_H

#include "CDCMTKShim.h"

#include "dcmtk/config/osconfig.h"
#include "dcmtk/dcmdata/dcfcache.h"
#include "dcmtk/dcmdata/dcfilefo.h"
#include "dcmtk/dcmdata/dcpixel.h"
#include "dcmtk/dcmdata/dcpixseq.h"
#include "dcmtk/dcmdata/dcxfer.h"

#include <cstring>
#include <new>
#include <stdexcept>
#include <string>

struct CDCMTKShim_File {
    DcmFileFormat format;
    DcmFileCache cache;
    E_TransferSyntax xfer = EXS_Unknown;
    // DCMTK's "start fragment" hint: valid for frame `nextFrame` after a sequential decode.
    Uint32 nextFrame = 0;
    Uint32 nextFragment = 0;
};

namespace cdcmtkshim {

/// Copies `text` into a caller's buffer, truncated and NUL-terminated. NULL/0 is ignored.
inline void setMessage(char *buffer, size_t capacity, const std::string &text) {
    if (buffer == nullptr || capacity == 0) return;
    size_t n = text.size() < capacity - 1 ? text.size() : capacity - 1;
    std::memcpy(buffer, text.data(), n);
    buffer[n] = '\0';
}

/// Runs `body` (returning a status), turning any C++ exception into ErrInternal with a message.
template <class Body>
CDCMTKShim_Status guarded(char *message, size_t messageCapacity, Body body) {
    try {
        return body();
    } catch (const std::bad_alloc &) {
        setMessage(message, messageCapacity, "out of memory");
    } catch (const std::exception &e) {
        setMessage(message, messageCapacity, std::string("internal error: ") + e.what());
    } catch (...) {
        setMessage(message, messageCapacity, "internal error");
    }
    return CDCMTKShim_ErrInternal;
}

/// The entry of a wavelet codec (codec_openjpeg.cpp, codec_openjph.cpp): checks the pointers,
/// resets `info` for `codec`, runs `decodeAt(levels, signedSamples, why)` under `guarded`, and when
/// a reduced decode failed (other than for a small buffer) decodes once more at full resolution:
/// a tile-part header may override the main header's levels, and the full decode decides whether
/// the frame is good. The final failure's `why` becomes the message.
template <class DecodeAt>
CDCMTKShim_Status decodeWaveletFrame(CDCMTKShim_Codec codec, const uint8_t *data, size_t size,
                                     const CDCMTKShim_Reduction *reduction, const uint16_t *words,
                                     CDCMTKShim_FrameInfo *info, char *message, size_t messageCapacity,
                                     DecodeAt decodeAt) {
    if (words == nullptr || info == nullptr || (data == nullptr && size > 0)) return CDCMTKShim_ErrInternal;
    *info = CDCMTKShim_FrameInfo{codec, 0, 0, 1, 0};
    uint32_t levels = reduction != nullptr ? reduction->levels : 0;
    bool signedSamples = reduction != nullptr && reduction->signedSamples != 0;
    return guarded(message, messageCapacity, [&]() -> CDCMTKShim_Status {
        std::string why;
        CDCMTKShim_Status status = decodeAt(levels, signedSamples, why);
        if (status != CDCMTKShim_OK && status != CDCMTKShim_ErrBufferTooSmall && info->reduced > 0) {
            why.clear();
            *info = CDCMTKShim_FrameInfo{codec, 0, 0, 1, 0};
            status = decodeAt(0, signedSamples, why);
        }
        if (status != CDCMTKShim_OK) setMessage(message, messageCapacity, why);
        return status;
    });
}

/// Registers DCMTK's decoders and silences its logging, once per process (dataset.cpp).
void initialiseOnce();

/// The transfer syntax UID named by the meta header, else DCMTK's UID for the parsed syntax.
std::string metaTransferSyntax(CDCMTKShim_File *file);

/// True for syntaxes whose pixel data is a sequence of fragments, including UIDs DCMTK does not
/// know (every 1.2.840.10008.1.2.4.x and RLE).
bool isEncapsulatedSyntax(E_TransferSyntax xfer, const std::string &uid);

/// The encapsulated pixel sequence of `pixel` (fragments.cpp), or NULL.
DcmPixelSequence *pixelSequence(DcmPixelData *pixel, E_TransferSyntax xfer);

/// What every frame read checks first: the image attributes, the frame index, the caller's buffer.
struct FrameLayout {
    Uint16 rows = 0, columns = 0, samples = 1, bitsAllocated = 0;
    Sint32 frames = 1;
    size_t samplesPerFrame = 0;
    size_t bytesPerSample = 0;
    size_t frameBytes = 0;
    DcmPixelData *pixel = nullptr;
};

/// Fills `layout` for frame `frameIndex`, or returns why it cannot be read (message set).
CDCMTKShim_Status frameLayout(CDCMTKShim_File *file, uint32_t frameIndex, size_t wordCapacity,
                              FrameLayout &layout, char *message, size_t messageCapacity);

} // namespace cdcmtkshim

#endif // CDCMTKSHIM_INTERNAL_H
