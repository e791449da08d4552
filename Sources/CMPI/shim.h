// Shim for Open MPI (Debian: libopenmpi-dev). Only the KantorovichMPI target imports this module,
// with `internal import`.
//
// Open MPI's predefined handles (MPI_COMM_WORLD, MPI_DOUBLE, MPI_SUM, MPI_ERRORS_RETURN, ...) are
// macros that take the address of global structs, which Swift cannot import: each gets a
// function here. The log-sum-exp reduction is a user-defined operation written in C, so that
// it is a plain function pointer MPI can call.
#ifndef KANTOROVICH_CMPI_SHIM_H
#define KANTOROVICH_CMPI_SHIM_H

#include <mpi.h>
#include <math.h>

static inline MPI_Comm kmpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype kmpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype kmpi_int(void) { return MPI_INT; }
static inline MPI_Op kmpi_op_sum(void) { return MPI_SUM; }
static inline MPI_Op kmpi_op_max(void) { return MPI_MAX; }
static inline MPI_Op kmpi_op_min(void) { return MPI_MIN; }
static inline MPI_Errhandler kmpi_errors_return(void) { return MPI_ERRORS_RETURN; }
static inline int kmpi_thread_funneled(void) { return MPI_THREAD_FUNNELED; }
static inline int kmpi_success(void) { return MPI_SUCCESS; }
static inline int kmpi_max_error_string(void) { return MPI_MAX_ERROR_STRING; }
static inline MPI_Status *kmpi_status_ignore(void) { return MPI_STATUS_IGNORE; }

// inout[i] = log(exp(in[i]) + exp(inout[i])), with -inf as the identity. Symmetric in its two
// arguments, bit for bit, so every rank of an allreduce gets the same result.
static void kmpi_log_add_exp(void *in, void *inout, int *len, MPI_Datatype *type) {
    (void)type;
    const double *a = (const double *)in;
    double *b = (double *)inout;
    for (int i = 0; i < *len; i++) {
        double x = a[i], y = b[i];
        if (x == -INFINITY) continue;
        if (y == -INFINITY) { b[i] = x; continue; }
        double top = x > y ? x : y;
        b[i] = top + log(exp(x - top) + exp(y - top));
    }
}

// Creates the commutative log-sum-exp reduction on doubles.
static inline int kmpi_create_log_sum_exp(MPI_Op *op) { return MPI_Op_create(kmpi_log_add_exp, 1, op); }

#endif
