// CDCMTKShim, dataset access: open/close, transfer syntax, pixel data facts, attribute accessors.
// See include/CDCMTKShim.h for the contract.
//
// Why C++ behind a C header rather than Swift/C++ interop: interop mode changes how every C header
// imports and has caused link trouble for dependents (swift-package-manager #6564); a C boundary
// keeps the Swift modules in plain C mode and the seam small enough to test.

#include "shim_internal.h"

#include "dcmtk/dcmdata/dcdeftag.h"
#include "dcmtk/dcmdata/dcistrmb.h"
#include "dcmtk/dcmdata/dcmetinf.h"
#include "dcmtk/dcmdata/dcrledrg.h"
#include "dcmtk/dcmdata/dcsequen.h"
#include "dcmtk/dcmdata/dcuid.h"
#include "dcmtk/dcmjpeg/djdecode.h"
#include "dcmtk/dcmjpls/djdecode.h"
#include "dcmtk/oflog/oflog.h"

#include <mutex>

namespace cdcmtkshim {

void initialiseOnce() {
    static std::once_flag once;
    std::call_once(once, [] {
        // DCMTK would otherwise print "E: can't read file ..." and codec warnings on stderr.
        OFLog::configure(OFLogger::OFF_LOG_LEVEL);
        DJDecoderRegistration::registerCodecs();
        DJLSDecoderRegistration::registerCodecs();
        DcmRLEDecoderRegistration::registerCodecs();
    });
}

std::string metaTransferSyntax(CDCMTKShim_File *file) {
    OFString uid;
    DcmMetaInfo *meta = file->format.getMetaInfo();
    if (meta != nullptr) meta->findAndGetOFString(DCM_TransferSyntaxUID, uid);
    return uid.empty() ? std::string(DcmXfer(file->xfer).getXferID()) : std::string(uid.c_str());
}

bool isEncapsulatedSyntax(E_TransferSyntax xfer, const std::string &uid) {
    if (DcmXfer(xfer).isEncapsulated()) return true;
    return uid.rfind("1.2.840.10008.1.2.4.", 0) == 0 || uid == "1.2.840.10008.1.2.5";
}

} // namespace cdcmtkshim

using namespace cdcmtkshim;

namespace {

DcmTagKey key(uint32_t tag) { return DcmTagKey(Uint16(tag >> 16), Uint16(tag & 0xFFFF)); }

DcmItem *walk(CDCMTKShim_File *file, const CDCMTKShim_PathStep *path, size_t pathLength) {
    DcmItem *current = file->format.getDataset();
    for (size_t i = 0; i < pathLength && current != nullptr; ++i) {
        DcmItem *next = nullptr;
        if (current->findAndGetSequenceItem(key(path[i].tag), next, long(path[i].item)).bad()) return nullptr;
        current = next;
    }
    return current;
}

/// The one attribute accessor behind getString / getNumbers / getWords. Finds `tag` in the item at
/// `path` (ErrNotFound when either is absent); `measure(element, n, why)` gives the number of
/// values; `*count` receives it; when `n + reserve` exceeds `capacity` the answer is
/// ErrBufferTooSmall, else `fill(element, why)` copies the values out. ErrBadValue from either
/// puts `why` in the caller's reason buffer; exceptions become ErrInternal.
template <class Measure, class Fill>
CDCMTKShim_Status readElement(CDCMTKShim_File *file, const CDCMTKShim_PathStep *path, size_t pathLength,
                              uint32_t tag, size_t *count, size_t capacity, size_t reserve,
                              char *reason, size_t reasonCapacity, Measure measure, Fill fill) {
    if (file == nullptr || count == nullptr) return CDCMTKShim_ErrInternal;
    return guarded(reason, reasonCapacity, [&]() -> CDCMTKShim_Status {
        // Group 0002 at the top level lives in the File Meta Information (e.g. a DICOMDIR's
        // (0002,0002) Media Storage SOP Class UID: its dataset has no (0008,0016)).
        DcmItem *item = pathLength == 0 && (tag >> 16) == 0x0002
            ? static_cast<DcmItem *>(file->format.getMetaInfo()) : walk(file, path, pathLength);
        DcmElement *element = nullptr;
        if (item == nullptr || item->findAndGetElement(key(tag), element, OFFalse).bad() || element == nullptr) {
            return CDCMTKShim_ErrNotFound;
        }
        std::string why;
        size_t n = 0;
        CDCMTKShim_Status status = measure(element, n, why);
        if (status == CDCMTKShim_OK) {
            *count = n;
            status = n + reserve > capacity ? CDCMTKShim_ErrBufferTooSmall : fill(element, why);
        }
        if (status == CDCMTKShim_ErrBadValue) setMessage(reason, reasonCapacity, why);
        return status;
    });
}

std::string vrName(DcmElement *element) { return DcmVR(element->ident()).getVRName(); }

/// Why a numeric value of this VR could not be read (never the value itself).
std::string numericFailure(DcmEVR vr) {
    switch (vr) {
    case EVR_DS: return "value not a decimal string";
    case EVR_IS: return "value not an integer string";
    default: return "value unreadable";
    }
}

CDCMTKShim_Status classifyLoadError(const OFCondition &cond, std::string &why) {
    why = cond.text();
    if (cond == EC_StreamNotifyClient || cond == EC_EndOfStream ||
        why.find("premature end") != std::string::npos || why.find("Premature") != std::string::npos) {
        why = "file ends inside an element (" + why + ")";
        return CDCMTKShim_ErrTruncated;
    }
    return CDCMTKShim_ErrNotDICOM;
}

} // namespace

extern "C" {

CDCMTKShim_Status CDCMTKShim_open(const char *path, CDCMTKShim_File **outFile, char *message,
                                  size_t messageCapacity) {
    if (outFile == nullptr || path == nullptr) return CDCMTKShim_ErrInternal;
    *outFile = nullptr;
    return guarded(message, messageCapacity, [&]() -> CDCMTKShim_Status {
        initialiseOnce();
        auto *file = new CDCMTKShim_File();
        // Values longer than 4 KiB (pixel data, LUT data) stay on disk until first used.
        OFCondition cond = file->format.loadFile(OFFilename(path), EXS_Unknown, EGL_noChange, 4096, ERM_autoDetect);
        if (cond.bad()) {
            std::string why;
            CDCMTKShim_Status status = classifyLoadError(cond, why);
            setMessage(message, messageCapacity, why);
            delete file;
            return status;
        }
        file->xfer = file->format.getDataset()->getOriginalXfer();
        *outFile = file;
        return CDCMTKShim_OK;
    });
}

CDCMTKShim_Status CDCMTKShim_openMemory(const uint8_t *bytes, size_t length, CDCMTKShim_File **outFile,
                                        char *message, size_t messageCapacity) {
    if (outFile == nullptr || (bytes == nullptr && length > 0)) return CDCMTKShim_ErrInternal;
    *outFile = nullptr;
    return guarded(message, messageCapacity, [&]() -> CDCMTKShim_Status {
        initialiseOnce();
        auto *file = new CDCMTKShim_File();
        // A buffer stream has no stream factory, so every value is read into DCMTK's memory now
        // and the caller's bytes are not used after this call. The whole buffer is all there is
        // (setEos): a value running past its end is a truncated file.
        static const uint8_t empty = 0;
        DcmInputBufferStream stream;
        stream.setBuffer(length > 0 ? bytes : &empty, offile_off_t(length));
        stream.setEos();
        file->format.setReadMode(ERM_autoDetect);
        file->format.transferInit();
        OFCondition cond = file->format.read(stream, EXS_Unknown, EGL_noChange, 4096);
        file->format.transferEnd();
        // DCMTK reports a value cut short by the end of a buffer stream as EC_InvalidStream
        // ("premature end of stream") with the stream at its end.
        const bool endedInside = cond == EC_InvalidStream && stream.eos();
        stream.releaseBuffer();
        if (cond.bad()) {
            std::string why;
            CDCMTKShim_Status status = classifyLoadError(cond, why);
            if (endedInside) {
                why = "file ends inside an element (" + std::string(cond.text()) + ")";
                status = CDCMTKShim_ErrTruncated;
            }
            setMessage(message, messageCapacity, why);
            delete file;
            return status;
        }
        file->xfer = file->format.getDataset()->getOriginalXfer();
        *outFile = file;
        return CDCMTKShim_OK;
    });
}

void CDCMTKShim_close(CDCMTKShim_File *file) {
    try { delete file; } catch (...) {}
}

CDCMTKShim_Status CDCMTKShim_transferSyntax(const CDCMTKShim_File *file, char *buffer, size_t capacity) {
    if (file == nullptr) return CDCMTKShim_ErrInternal;
    // The meta header names the syntax even where DCMTK has no entry for it (HTJ2K in 3.6.7).
    return guarded(nullptr, 0, [&]() -> CDCMTKShim_Status {
        setMessage(buffer, capacity, metaTransferSyntax(const_cast<CDCMTKShim_File *>(file)));
        return CDCMTKShim_OK;
    });
}

CDCMTKShim_Status CDCMTKShim_pixelInfo(CDCMTKShim_File *file, CDCMTKShim_PixelInfo *info) {
    if (file == nullptr || info == nullptr) return CDCMTKShim_ErrInternal;
    return guarded(nullptr, 0, [&]() -> CDCMTKShim_Status {
        *info = CDCMTKShim_PixelInfo{0, 0, 0, 0};
        DcmElement *element = nullptr;
        if (file->format.getDataset()->findAndGetElement(DCM_PixelData, element, OFFalse).bad() || element == nullptr) {
            return CDCMTKShim_OK;
        }
        info->present = 1;
        auto *pixel = OFstatic_cast(DcmPixelData *, element);
        if (isEncapsulatedSyntax(file->xfer, metaTransferSyntax(file))) {
            info->encapsulated = 1;
            DcmPixelSequence *sequence = pixelSequence(pixel, file->xfer);
            if (sequence != nullptr) info->fragments = sequence->card() > 0 ? Uint32(sequence->card() - 1) : 0;
        } else {
            info->nativeLength = element->getLength();
        }
        return CDCMTKShim_OK;
    });
}

int64_t CDCMTKShim_itemCount(CDCMTKShim_File *file, const CDCMTKShim_PathStep *path, size_t pathLength,
                             uint32_t seqTag) {
    if (file == nullptr) return -1;
    try {
        DcmItem *item = walk(file, path, pathLength);
        if (item == nullptr) return -1;
        DcmSequenceOfItems *sequence = nullptr;
        if (item->findAndGetSequence(key(seqTag), sequence, OFFalse).bad() || sequence == nullptr) return -1;
        return int64_t(sequence->card());
    } catch (...) {
        return -1;
    }
}

CDCMTKShim_Status CDCMTKShim_getString(CDCMTKShim_File *file, const CDCMTKShim_PathStep *path,
                                       size_t pathLength, uint32_t tag, char *buffer, size_t capacity,
                                       size_t *needed, char *reason, size_t reasonCapacity) {
    OFString value;
    auto measure = [&](DcmElement *element, size_t &n, std::string &why) {
        if (element->getOFStringArray(value, OFTrue).bad()) {
            why = "VR " + vrName(element) + " has no string form";
            return CDCMTKShim_ErrBadValue;
        }
        n = value.size();
        return CDCMTKShim_OK;
    };
    auto fill = [&](DcmElement *, std::string &) {
        std::memcpy(buffer, value.c_str(), value.size() + 1);
        return CDCMTKShim_OK;
    };
    return readElement(file, path, pathLength, tag, needed, buffer == nullptr ? 0 : capacity, 1, reason,
                       reasonCapacity, measure, fill);
}

CDCMTKShim_Status CDCMTKShim_getNumbers(CDCMTKShim_File *file, const CDCMTKShim_PathStep *path,
                                        size_t pathLength, uint32_t tag, double *values, size_t capacity,
                                        size_t *count, char *reason, size_t reasonCapacity) {
    auto measure = [](DcmElement *element, size_t &n, std::string &) {
        n = element->getLength() == 0 ? 0 : element->getVM();
        return CDCMTKShim_OK;
    };
    auto fill = [&](DcmElement *element, std::string &why) {
        unsigned long vm = *count;
        for (unsigned long i = 0; i < vm; ++i) {
            OFCondition cond = EC_IllegalCall;
            switch (element->ident()) {
            case EVR_US: { Uint16 v; cond = element->getUint16(v, i); values[i] = v; break; }
            case EVR_SS: { Sint16 v; cond = element->getSint16(v, i); values[i] = v; break; }
            case EVR_UL: { Uint32 v; cond = element->getUint32(v, i); values[i] = v; break; }
            case EVR_SL: { Sint32 v; cond = element->getSint32(v, i); values[i] = v; break; }
            case EVR_IS: { Sint32 v; cond = element->getSint32(v, i); values[i] = v; break; }
            case EVR_FL: { Float32 v; cond = element->getFloat32(v, i); values[i] = v; break; }
            case EVR_FD:
            case EVR_DS: { Float64 v; cond = element->getFloat64(v, i); values[i] = v; break; }
            default:
                why = "VR " + vrName(element) + " is not numeric";
                return CDCMTKShim_ErrBadValue;
            }
            if (cond.bad()) {
                why = numericFailure(element->ident());
                if (vm > 1) why += " (value " + std::to_string(i + 1) + " of " + std::to_string(vm) + ")";
                return CDCMTKShim_ErrBadValue;
            }
        }
        return CDCMTKShim_OK;
    };
    return readElement(file, path, pathLength, tag, count, capacity, 0, reason, reasonCapacity, measure, fill);
}

CDCMTKShim_Status CDCMTKShim_getWords(CDCMTKShim_File *file, const CDCMTKShim_PathStep *path,
                                      size_t pathLength, uint32_t tag, uint16_t *words, size_t capacity,
                                      size_t *count, char *reason, size_t reasonCapacity) {
    auto measure = [](DcmElement *element, size_t &n, std::string &) {
        n = element->getLength() / 2;
        return CDCMTKShim_OK;
    };
    auto fill = [&](DcmElement *element, std::string &why) {
        size_t n = *count;
        if (n == 0) return CDCMTKShim_OK;
        why = "value unreadable";
        switch (element->ident()) {
        case EVR_US:
        case EVR_OW:
        case EVR_lt:
        case EVR_xs:
        case EVR_ox: {
            Uint16 *data = nullptr;
            if (element->getUint16Array(data).bad() || data == nullptr) return CDCMTKShim_ErrBadValue;
            std::memcpy(words, data, n * 2);
            return CDCMTKShim_OK;
        }
        case EVR_SS: {
            Sint16 *data = nullptr;
            if (element->getSint16Array(data).bad() || data == nullptr) return CDCMTKShim_ErrBadValue;
            std::memcpy(words, data, n * 2);
            return CDCMTKShim_OK;
        }
        case EVR_UN:
        case EVR_OB: {
            // Unknown VR: the bytes are in the file's little-endian order (UN is only in explicit LE).
            Uint8 *data = nullptr;
            if (element->getUint8Array(data).bad() || data == nullptr) return CDCMTKShim_ErrBadValue;
            for (size_t i = 0; i < n; ++i) words[i] = uint16_t(data[2 * i] | (data[2 * i + 1] << 8));
            return CDCMTKShim_OK;
        }
        default:
            why = "VR " + vrName(element) + " does not hold 16-bit words";
            return CDCMTKShim_ErrBadValue;
        }
    };
    return readElement(file, path, pathLength, tag, count, capacity, 0, reason, reasonCapacity, measure, fill);
}

const char *CDCMTKShim_dcmtkVersion(void) { return OFFIS_DCMTK_VERSION_STRING; }

} // extern "C"
