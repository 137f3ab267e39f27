#ifndef SWIFT_NTA_CFFTW_SHIM_H
#define SWIFT_NTA_CFFTW_SHIM_H
// FFTW 3 (double precision). Debian: libfftw3-dev; pkg-config: fftw3.
#include <fftw3.h>
#endif
