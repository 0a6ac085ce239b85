/*
 * asm_amd64.S - goroutine context switch for x86-64 (System V).
 *
 * A context is just a stack pointer: grt_ctx_switch pushes the callee-saved
 * registers (rbp, rbx, r12-r15) on the current stack, stores rsp, loads the
 * other context's rsp, pops its registers and returns into it. Everything
 * else the ABI lets a callee clobber, so the C caller has already saved it.
 * Not saved: the x87 control word and MXCSR (no code in this project changes
 * rounding modes); the direction flag is clear at every call by the ABI.
 *
 * A fresh context (grt_ctx_init) is a frame that this same pop sequence
 * consumes: r12 = entry, r13 = argument, return address = grt_ctx_start,
 * which calls entry(arg) with the 16-byte alignment the ABI requires.
 * Rejected: ucontext (swapcontext makes a sigprocmask system call per
 * switch, about 1 us here against a few ns).
 */
    .text

    .globl grt_ctx_switch
    .type grt_ctx_switch, @function
/* void grt_ctx_switch(void **save_sp, void *new_sp) */
grt_ctx_switch:
    .cfi_startproc
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .cfi_endproc
    .size grt_ctx_switch, .-grt_ctx_switch

    .globl grt_ctx_start
    .type grt_ctx_start, @function
grt_ctx_start:
    .cfi_startproc
    .cfi_undefined rip
    xorl %ebp, %ebp
    movq %r13, %rdi
    call *%r12
    ud2
    .cfi_endproc
    .size grt_ctx_start, .-grt_ctx_start

    .globl grt_ctx_init
    .type grt_ctx_init, @function
/* void *grt_ctx_init(char *sp_top, void (*entry)(void *), void *arg) */
grt_ctx_init:
    .cfi_startproc
    movq %rdi, %rax
    andq $-16, %rax
    subq $72, %rax
    movq $0, 0(%rax)
    movq $0, 8(%rax)
    movq %rdx, 16(%rax)
    movq %rsi, 24(%rax)
    movq $0, 32(%rax)
    movq $0, 40(%rax)
    leaq grt_ctx_start(%rip), %rcx
    movq %rcx, 48(%rax)
    movq $0, 56(%rax)
    ret
    .cfi_endproc
    .size grt_ctx_init, .-grt_ctx_init

    .globl grt_enter_syscall
    .type grt_enter_syscall, @function
/* void grt_enter_syscall(void): the caller's callee-saved registers and
 * stack pointer, as they are at the call, go to the G header (through
 * grt_enter_syscall_regs(regs, caller_sp) in proc.c) so that the collector
 * can scan a goroutine in a syscall from there. A C function could not
 * record them: its prologue may already have replaced some. */
grt_enter_syscall:
    .cfi_startproc
    leaq 8(%rsp), %rsi
    subq $56, %rsp
    .cfi_adjust_cfa_offset 56
    movq %rbx, 0(%rsp)
    movq %rbp, 8(%rsp)
    movq %r12, 16(%rsp)
    movq %r13, 24(%rsp)
    movq %r14, 32(%rsp)
    movq %r15, 40(%rsp)
    movq %rsp, %rdi
    call grt_enter_syscall_regs@PLT
    addq $56, %rsp
    .cfi_adjust_cfa_offset -56
    ret
    .cfi_endproc
    .size grt_enter_syscall, .-grt_enter_syscall

    .section .note.GNU-stack,"",@progbits
