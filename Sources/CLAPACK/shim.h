// Shim for OpenBLAS's CBLAS and the LAPACKE C interface (Debian: libopenblas-dev, liblapacke-dev).
// Only the LinearAlgebra target imports this module, with `internal import`.
#ifndef KANTOROVICH_CLAPACK_SHIM_H
#define KANTOROVICH_CLAPACK_SHIM_H

// Complex routines import only as structs: C `_Complex` has no Swift counterpart.
#define HAVE_LAPACK_CONFIG_H
#define LAPACK_COMPLEX_STRUCTURE
#define FORCE_OPENBLAS_COMPLEX_STRUCT

#include <cblas.h>
#include <lapacke.h>

// `lapack_int` is a macro and therefore invisible to Swift; give it a name (32-bit on Debian).
typedef lapack_int clapack_int;

// OpenBLAS run-time controls (declared by OpenBLAS's cblas.h; repeated here so the shim does not
// depend on which CBLAS header the alternatives system selected).
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char *openblas_get_corename(void);

#endif
