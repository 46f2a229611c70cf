/*
 * kvm-check: does /dev/kvm really run a guest here?
 *
 * The device node can exist while KVM is unusable (no nested virtualization, a sandbox that forwards the
 * node but refuses ioctls, ...). Opening it proves nothing, so this creates a VM with one vCPU and runs
 * three real-mode instructions (out 0x42 to port 0x10; hlt). Exit 0 only when the guest's port write and
 * halt come back as exits; anything else prints why and exits 1. The testbed then uses domain type 'kvm'
 * only when this passes, 'qemu' (TCG) otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

static int fail(const char *what) {
    fprintf(stderr, "kvm-check: %s: %s\n", what, strerror(errno));
    return 1;
}

int main(void) {
    /* mov al,0x42 ; out 0x10,al ; hlt */
    static const uint8_t code[] = { 0xb0, 0x42, 0xe6, 0x10, 0xf4 };
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0) return fail("open /dev/kvm");
    if (ioctl(kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) return fail("KVM_GET_API_VERSION");
    int vm = ioctl(kvm, KVM_CREATE_VM, 0UL);
    if (vm < 0) return fail("KVM_CREATE_VM");

    uint8_t *mem = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) return fail("mmap");
    memcpy(mem, code, sizeof code);
    struct kvm_userspace_memory_region region = {
        .slot = 0, .guest_phys_addr = 0x1000, .memory_size = 0x1000, .userspace_addr = (uint64_t)mem,
    };
    if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0) return fail("KVM_SET_USER_MEMORY_REGION");

    int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0UL);
    if (vcpu < 0) return fail("KVM_CREATE_VCPU");
    int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (run_size <= 0) return fail("KVM_GET_VCPU_MMAP_SIZE");
    struct kvm_run *run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    if (run == MAP_FAILED) return fail("mmap kvm_run");

    struct kvm_sregs sregs;
    if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0) return fail("KVM_GET_SREGS");
    sregs.cs.base = 0;
    sregs.cs.selector = 0;
    if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0) return fail("KVM_SET_SREGS");
    struct kvm_regs regs = { .rip = 0x1000, .rflags = 0x2 };
    if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0) return fail("KVM_SET_REGS");

    int saw_out = 0;
    for (int i = 0; i < 10; i++) {
        if (ioctl(vcpu, KVM_RUN, 0) < 0) return fail("KVM_RUN");
        switch (run->exit_reason) {
        case KVM_EXIT_IO:
            if (run->io.direction == KVM_EXIT_IO_OUT && run->io.port == 0x10 &&
                *((uint8_t *)run + run->io.data_offset) == 0x42)
                saw_out = 1;
            break;
        case KVM_EXIT_HLT:
            if (saw_out) {
                puts("kvm-check: ok");
                return 0;
            }
            fprintf(stderr, "kvm-check: halted before the port write\n");
            return 1;
        default:
            fprintf(stderr, "kvm-check: unexpected exit reason %u\n", run->exit_reason);
            return 1;
        }
    }
    fprintf(stderr, "kvm-check: guest did not halt\n");
    return 1;
}
