/**
 * How every suite runs `node --test`. One file at a time: Node's default is a file per spare core, and on a
 * machine with more than two cores the end-to-end files would share the one testbed at once (one stops a
 * host's libvirtd while another migrates through it) and the engine files would load the one dev server
 * together. On two cores the default already was one at a time, which is how every suite was written.
 */
export const nodeTestArgs = ['--test', '--test-concurrency=1', '--test-reporter=spec'];
