// CDCMTKShim, frames decoded through DCMTK: native pixel data and DCMTK's codecs (JPEG, JPEG-LS,
// RLE; registered in dataset.cpp). See include/CDCMTKShim.h.

#include "shim_internal.h"

#include <dlfcn.h>
#include <strings.h>

#include <vector>

using namespace cdcmtkshim;

namespace {

/// What both entry points do first: argument checks, `*info` for `codec`, exception guard, and
/// the frame's layout (frameLayout); then `read(layout)`.
template <class Read>
CDCMTKShim_Status readFrame(CDCMTKShim_File *file, uint32_t frameIndex, uint16_t *words, size_t wordCapacity,
                            CDCMTKShim_FrameInfo *info, CDCMTKShim_Codec codec, char *message,
                            size_t messageCapacity, Read read) {
    if (file == nullptr || words == nullptr || info == nullptr) return CDCMTKShim_ErrInternal;
    *info = CDCMTKShim_FrameInfo{codec, 0, 0, 1, 0};
    return guarded(message, messageCapacity, [&]() -> CDCMTKShim_Status {
        FrameLayout layout;
        CDCMTKShim_Status status = frameLayout(file, frameIndex, wordCapacity, layout, message, messageCapacity);
        return status != CDCMTKShim_OK ? status : read(layout);
    });
}

/// Empty when DCMTK's JPEG-LS codec will call its own CharLS 1.x; else why not. libdcmjpls calls
/// JpegLsReadHeader / JpegLsDecode by name, and CharLS 2 (libcharls) exports the same names with
/// other structures: if libcharls is in the global scope ahead of DCMTK's copy (linked into the
/// program), DCMTK's calls would go to it and corrupt memory. codec_charls.cpp never puts it there;
/// this refuses rather than crashes should anything else.
const std::string &jpegLSBindingProblem() {
    static const std::string problem = [] {
        for (const char *name : {"JpegLsReadHeader", "JpegLsDecode"}) {
            Dl_info where{};
            void *symbol = dlsym(RTLD_DEFAULT, name);
            if (symbol == nullptr || dladdr(symbol, &where) == 0 || where.dli_fname == nullptr) continue;
            const char *slash = std::strrchr(where.dli_fname, '/');
            const char *file = slash != nullptr ? slash + 1 : where.dli_fname;
            if (strncasecmp(file, "libcharls", 9) == 0) {
                return std::string("DCMTK's JPEG-LS codec would call ") + name + " of " + file +
                       " (CharLS 2), not of its own CharLS: a program that links libcharls cannot use it";
            }
        }
        return std::string();
    }();
    return problem;
}

} // namespace

extern "C" {

CDCMTKShim_Status CDCMTKShim_readNativeFrame(CDCMTKShim_File *file, uint32_t frameIndex, uint16_t *words,
                                             size_t wordCapacity, CDCMTKShim_FrameInfo *info, char *message,
                                             size_t messageCapacity) {
    return readFrame(file, frameIndex, words, wordCapacity, info, CDCMTKShim_CodecNative, message, messageCapacity,
                     [&](const FrameLayout &layout) -> CDCMTKShim_Status {
        if (isEncapsulatedSyntax(file->xfer, metaTransferSyntax(file))) {
            setMessage(message, messageCapacity, "pixel data is encapsulated, not native");
            return CDCMTKShim_ErrUnsupportedSyntax;
        }
        DcmElement *element = layout.pixel;
        uint64_t needed = uint64_t(frameIndex + 1) * layout.frameBytes;
        if (uint64_t(element->getLength()) < needed) {
            setMessage(message, messageCapacity, "Pixel Data holds " + std::to_string(element->getLength()) +
                       " bytes, frame " + std::to_string(frameIndex) + " needs bytes up to " + std::to_string(needed));
            return CDCMTKShim_ErrShortPixelData;
        }
        // Read only this frame's bytes, swapped to host order (getPartialValue).
        Uint32 offset = Uint32(frameIndex * layout.frameBytes);
        OFCondition cond;
        if (layout.bytesPerSample == 2) {
            cond = element->getPartialValue(words, offset, Uint32(layout.frameBytes), &file->cache);
        } else {
            std::vector<uint8_t> bytes(layout.frameBytes);
            cond = element->getPartialValue(bytes.data(), offset, Uint32(layout.frameBytes), &file->cache);
            if (cond.good()) for (size_t i = 0; i < layout.frameBytes; ++i) words[i] = bytes[i];
        }
        if (cond.bad()) {
            setMessage(message, messageCapacity, std::string("reading pixel data: ") + cond.text());
            return CDCMTKShim_ErrTruncated;
        }
        return CDCMTKShim_OK;
    });
}

CDCMTKShim_Status CDCMTKShim_decodeDCMTKFrame(CDCMTKShim_File *file, uint32_t frameIndex, uint16_t *words,
                                              size_t wordCapacity, CDCMTKShim_FrameInfo *info, char *message,
                                              size_t messageCapacity) {
    return readFrame(file, frameIndex, words, wordCapacity, info, CDCMTKShim_CodecDCMTK, message, messageCapacity,
                     [&](const FrameLayout &layout) -> CDCMTKShim_Status {
        DcmXfer xfer(file->xfer);
        if (!xfer.isEncapsulated()) {
            setMessage(message, messageCapacity, "no DCMTK decoder for transfer syntax " + metaTransferSyntax(file) +
                       " (" + xfer.getXferName() + ")");
            return CDCMTKShim_ErrUnsupportedSyntax;
        }
        if ((file->xfer == EXS_JPEGLSLossless || file->xfer == EXS_JPEGLSLossy) && !jpegLSBindingProblem().empty()) {
            setMessage(message, messageCapacity, jpegLSBindingProblem());
            return CDCMTKShim_ErrInternal;
        }
        Uint32 start = (frameIndex == file->nextFrame) ? file->nextFragment : 0;
        OFString colourModel;
        OFCondition cond;
        DcmDataset *dataset = file->format.getDataset();
        if (layout.bytesPerSample == 2) {
            cond = layout.pixel->getUncompressedFrame(dataset, frameIndex, start, words, Uint32(layout.frameBytes),
                                                      colourModel, &file->cache);
        } else {
            std::vector<uint8_t> bytes(layout.frameBytes + 1);
            cond = layout.pixel->getUncompressedFrame(dataset, frameIndex, start, bytes.data(),
                                                      Uint32(layout.frameBytes + (layout.frameBytes & 1)), colourModel,
                                                      &file->cache);
            if (cond.good()) for (size_t i = 0; i < layout.frameBytes; ++i) words[i] = bytes[i];
        }
        if (cond.bad()) {
            file->nextFrame = 0;
            file->nextFragment = 0;
            setMessage(message, messageCapacity, std::string(xfer.getXferName()) + " frame " + std::to_string(frameIndex) +
                       ": " + cond.text());
            return CDCMTKShim_ErrCorruptStream;
        }
        file->nextFrame = frameIndex + 1;
        file->nextFragment = start;
        return CDCMTKShim_OK;
    });
}

} // extern "C"
