// System-library module for OpenJPEG (pkg-config libopenjp2). Used by CDCMTKShim, which hands
// each encapsulated JPEG 2000 / HTJ2K frame to OpenJPEG (free DCMTK has no J2K decoder).
#include <openjpeg.h>
