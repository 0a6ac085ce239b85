/*
 * asm_arm64.S - goroutine context switch for aarch64 (AAPCS64).
 *
 * Same design as asm_amd64.S: a context is a stack pointer; the switch
 * stores the callee-saved registers x19-x30 and d8-d15 in a 176-byte frame
 * (16-byte aligned), swaps sp and restores the other frame, returning
 * through x30. A fresh context's frame holds x19 = entry, x20 = argument
 * and x30 = grt_ctx_start.
 */
    .text

    .globl grt_ctx_switch
    .type grt_ctx_switch, %function
grt_ctx_switch:
    sub sp, sp, #176
    stp x19, x20, [sp, #0]
    stp x21, x22, [sp, #16]
    stp x23, x24, [sp, #32]
    stp x25, x26, [sp, #48]
    stp x27, x28, [sp, #64]
    stp x29, x30, [sp, #80]
    stp d8, d9, [sp, #96]
    stp d10, d11, [sp, #112]
    stp d12, d13, [sp, #128]
    stp d14, d15, [sp, #144]
    mov x2, sp
    str x2, [x0]
    mov sp, x1
    ldp x19, x20, [sp, #0]
    ldp x21, x22, [sp, #16]
    ldp x23, x24, [sp, #32]
    ldp x25, x26, [sp, #48]
    ldp x27, x28, [sp, #64]
    ldp x29, x30, [sp, #80]
    ldp d8, d9, [sp, #96]
    ldp d10, d11, [sp, #112]
    ldp d12, d13, [sp, #128]
    ldp d14, d15, [sp, #144]
    add sp, sp, #176
    ret
    .size grt_ctx_switch, .-grt_ctx_switch

    .globl grt_ctx_start
    .type grt_ctx_start, %function
grt_ctx_start:
    mov x29, #0
    mov x0, x20
    blr x19
    brk #0
    .size grt_ctx_start, .-grt_ctx_start

    .globl grt_ctx_init
    .type grt_ctx_init, %function
/* void *grt_ctx_init(char *sp_top, void (*entry)(void *), void *arg) */
grt_ctx_init:
    and x0, x0, #~15
    sub x0, x0, #176
    mov x3, #0
    mov x4, #0
10: cmp x4, #176
    b.ge 11f
    str x3, [x0, x4]
    add x4, x4, #8
    b 10b
11: str x1, [x0, #0]
    str x2, [x0, #8]
    adr x5, grt_ctx_start
    str x5, [x0, #88]
    ret
    .size grt_ctx_init, .-grt_ctx_init

    .globl grt_enter_syscall
    .type grt_enter_syscall, %function
/* void grt_enter_syscall(void): x19-x30 and the caller's sp, as they are
 * at the call, go to the G header through grt_enter_syscall_regs(regs,
 * caller_sp) (proc.c); see asm_amd64.S. */
grt_enter_syscall:
    sub sp, sp, #96
    stp x19, x20, [sp, #0]
    stp x21, x22, [sp, #16]
    stp x23, x24, [sp, #32]
    stp x25, x26, [sp, #48]
    stp x27, x28, [sp, #64]
    stp x29, x30, [sp, #80]
    mov x0, sp
    add x1, sp, #96
    bl grt_enter_syscall_regs
    ldp x29, x30, [sp, #80]
    add sp, sp, #96
    ret
    .size grt_enter_syscall, .-grt_enter_syscall

    .section .note.GNU-stack,"",%progbits
