// Debian's Chromium, launched the way these machines need (no sandbox as root, no background network).
export function chromiumPath(): string {
  return process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
}

/** WebGPU flags give headless Chromium a SwiftShader adapter: correct but slow, fine for tests. */
export function chromiumArgs({ webgpu }: { webgpu: boolean }): string[] {
  const base = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'];
  const gpu = ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader', '--disable-vulkan-surface'];
  return webgpu ? [...base, ...gpu] : [...base, '--disable-gpu'];
}
