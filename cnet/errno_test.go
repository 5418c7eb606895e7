package cnet_test

import "syscall"

const syscallECONNRESET = syscall.ECONNRESET
