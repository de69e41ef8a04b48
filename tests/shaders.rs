//! Every WGSL file parses and validates with naga, and the colour-map shader agrees with its
//! CPU reference (`advlens::export::shade`) pixel for pixel when rendered with wgpu (software
//! Vulkan here; skipped with a reason where no adapter exists).

use advlens::app::{ColormapPipeline, ShaderParams, upload_image};
use advlens::export::{ColorMode, shade};
use advlens::imaging::GreyImage;
use eframe::egui_wgpu::wgpu;

#[test]
fn every_wgsl_file_validates() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("shaders");
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "wgsl") {
            let source = std::fs::read_to_string(&path).unwrap();
            let module = naga::front::wgsl::parse_str(&source).unwrap_or_else(|err| {
                panic!("{}: {}", path.display(), err.emit_to_string(&source))
            });
            naga::valid::Validator::new(
                naga::valid::ValidationFlags::all(),
                naga::valid::Capabilities::all(),
            )
            .validate(&module)
            .unwrap_or_else(|err| panic!("{}: {err:?}", path.display()));
            checked += 1;
        }
    }
    assert!(checked >= 1);
}

const SIZE: u32 = 16;

fn test_images() -> (GreyImage, GreyImage) {
    let n = (SIZE * SIZE) as usize;
    let base = GreyImage::new(
        SIZE as usize,
        SIZE as usize,
        (0..n).map(|i| i as f32 / (n - 1) as f32).collect(),
    )
    .unwrap();
    let extra = GreyImage::new(
        SIZE as usize,
        SIZE as usize,
        (0..n)
            .map(|i| ((i * 37) % n) as f32 / n as f32 * 2.0 - 1.0)
            .collect(),
    )
    .unwrap();
    (base, extra)
}

fn device() -> Option<(wgpu::Device, wgpu::Queue)> {
    let instance = wgpu::Instance::default();
    let adapter =
        pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions::default()))
            .ok()?;
    pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor::default())).ok()
}

fn render(
    device: &wgpu::Device,
    queue: &wgpu::Queue,
    mode: ColorMode,
    base: &GreyImage,
    extra: &GreyImage,
) -> Vec<u8> {
    let format = wgpu::TextureFormat::Rgba8Unorm;
    let pipeline = ColormapPipeline::new(device, format);
    let params = ShaderParams::new(mode, [0.0, 0.0], [1.0, 1.0]);
    let buffer = device.create_buffer(&wgpu::BufferDescriptor {
        label: None,
        size: 32,
        usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    queue.write_buffer(&buffer, 0, bytemuck::bytes_of(&params));
    let bind_group = pipeline.bind_group(
        device,
        &buffer,
        &upload_image(device, queue, base),
        &upload_image(device, queue, extra),
    );
    let size = wgpu::Extent3d {
        width: SIZE,
        height: SIZE,
        depth_or_array_layers: 1,
    };
    let target = device.create_texture(&wgpu::TextureDescriptor {
        label: None,
        size,
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format,
        usage: wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC,
        view_formats: &[],
    });
    let view = target.create_view(&wgpu::TextureViewDescriptor::default());
    let bytes_per_row = 256u32; // ≥ 16 px × 4 bytes, aligned to 256
    let readback = device.create_buffer(&wgpu::BufferDescriptor {
        label: None,
        size: u64::from(bytes_per_row * SIZE),
        usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
        mapped_at_creation: false,
    });
    let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor::default());
    {
        let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: None,
            color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                view: &view,
                depth_slice: None,
                resolve_target: None,
                ops: wgpu::Operations {
                    load: wgpu::LoadOp::Clear(wgpu::Color::BLACK),
                    store: wgpu::StoreOp::Store,
                },
            })],
            ..Default::default()
        });
        pass.set_pipeline(&pipeline.pipeline);
        pass.set_bind_group(0, &bind_group, &[]);
        pass.draw(0..4, 0..1);
    }
    encoder.copy_texture_to_buffer(
        wgpu::TexelCopyTextureInfo {
            texture: &target,
            mip_level: 0,
            origin: wgpu::Origin3d::ZERO,
            aspect: wgpu::TextureAspect::All,
        },
        wgpu::TexelCopyBufferInfo {
            buffer: &readback,
            layout: wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(bytes_per_row),
                rows_per_image: Some(SIZE),
            },
        },
        size,
    );
    queue.submit([encoder.finish()]);
    let slice = readback.slice(..);
    slice.map_async(wgpu::MapMode::Read, |_| {});
    device.poll(wgpu::PollType::wait_indefinitely()).unwrap();
    let data = slice.get_mapped_range().unwrap();
    let mut pixels = Vec::with_capacity((SIZE * SIZE * 4) as usize);
    for row in 0..SIZE {
        let start = (row * bytes_per_row) as usize;
        pixels.extend_from_slice(&data[start..start + (SIZE * 4) as usize]);
    }
    pixels
}

#[test]
fn shader_agrees_with_the_cpu_colour_map() {
    if std::env::var_os("ADVLENS_SKIP_WGPU").is_some() {
        eprintln!("skipped: ADVLENS_SKIP_WGPU is set");
        return;
    }
    let Some((device, queue)) = device() else {
        eprintln!("skipped: no wgpu adapter (install mesa-vulkan-drivers for software Vulkan)");
        return;
    };
    let (base, extra) = test_images();
    for mode in [
        ColorMode::Grey,
        ColorMode::Diverging { scale: 0.5 },
        ColorMode::Overlay { opacity: 0.7 },
    ] {
        let gpu = render(&device, &queue, mode, &base, &extra);
        for index in 0..(SIZE * SIZE) as usize {
            let cpu = shade(mode, base.pixels[index], extra.pixels[index]);
            for channel in 0..3 {
                let difference =
                    (i32::from(gpu[index * 4 + channel]) - i32::from(cpu[channel])).abs();
                assert!(
                    difference <= 1,
                    "{mode:?} pixel {index} channel {channel}: shader {} vs CPU {}",
                    gpu[index * 4 + channel],
                    cpu[channel]
                );
            }
        }
    }
}
