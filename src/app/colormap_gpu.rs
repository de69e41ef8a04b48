//! The WGSL colour-mapping of the views (`shaders/colormap.wgsl`), drawn through egui-wgpu
//! paint callbacks. The pipeline is built once at start-up; each result's images are uploaded
//! once as single-channel float textures, and every view is one quad with its own parameters.

use std::collections::HashMap;
use std::num::NonZeroU64;

use eframe::egui_wgpu::{self, CallbackResources, CallbackTrait, wgpu};

use crate::export::ColorMode;
use crate::imaging::GreyImage;

/// The shader source, validated by a naga test.
pub const COLORMAP_WGSL: &str = include_str!("../../shaders/colormap.wgsl");

/// The shader's uniform block.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct ShaderParams {
    /// Top-left of the visible part of the image, in texture coordinates.
    pub uv_min: [f32; 2],
    /// Bottom-right of the visible part.
    pub uv_max: [f32; 2],
    /// 0 grey, 1 diverging, 2 overlay.
    pub mode: u32,
    /// Padding.
    pub pad: u32,
    /// Diverging scale.
    pub scale: f32,
    /// Overlay opacity.
    pub opacity: f32,
}

impl ShaderParams {
    /// Parameters for a colour mode and a visible region.
    #[must_use]
    pub fn new(mode: ColorMode, uv_min: [f32; 2], uv_max: [f32; 2]) -> Self {
        let (mode, scale, opacity) = match mode {
            ColorMode::Grey => (0, 0.0, 0.0),
            ColorMode::Diverging { scale } => (1, scale, 0.0),
            ColorMode::Overlay { opacity } => (2, 0.0, opacity),
        };
        Self {
            uv_min,
            uv_max,
            mode,
            pad: 0,
            scale,
            opacity,
        }
    }
}

/// The render pipeline and its bind-group layout.
pub struct ColormapPipeline {
    /// Pipeline.
    pub pipeline: wgpu::RenderPipeline,
    /// Layout of (params, base texture, extra texture).
    pub layout: wgpu::BindGroupLayout,
}

impl ColormapPipeline {
    /// Builds the pipeline for a target format (egui's, or a test's).
    #[must_use]
    pub fn new(device: &wgpu::Device, format: wgpu::TextureFormat) -> Self {
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("advlens colormap"),
            source: wgpu::ShaderSource::Wgsl(COLORMAP_WGSL.into()),
        });
        let texture_entry = |binding| wgpu::BindGroupLayoutEntry {
            binding,
            visibility: wgpu::ShaderStages::FRAGMENT,
            ty: wgpu::BindingType::Texture {
                sample_type: wgpu::TextureSampleType::Float { filterable: false },
                view_dimension: wgpu::TextureViewDimension::D2,
                multisampled: false,
            },
            count: None,
        };
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("advlens colormap"),
            entries: &[
                wgpu::BindGroupLayoutEntry {
                    binding: 0,
                    visibility: wgpu::ShaderStages::VERTEX_FRAGMENT,
                    ty: wgpu::BindingType::Buffer {
                        ty: wgpu::BufferBindingType::Uniform,
                        has_dynamic_offset: false,
                        min_binding_size: NonZeroU64::new(
                            std::mem::size_of::<ShaderParams>() as u64
                        ),
                    },
                    count: None,
                },
                texture_entry(1),
                texture_entry(2),
            ],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("advlens colormap"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let pipeline = device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
            label: Some("advlens colormap"),
            layout: Some(&pipeline_layout),
            vertex: wgpu::VertexState {
                module: &module,
                entry_point: Some("vs_main"),
                compilation_options: wgpu::PipelineCompilationOptions::default(),
                buffers: &[],
            },
            primitive: wgpu::PrimitiveState {
                topology: wgpu::PrimitiveTopology::TriangleStrip,
                ..Default::default()
            },
            depth_stencil: None,
            multisample: wgpu::MultisampleState::default(),
            fragment: Some(wgpu::FragmentState {
                module: &module,
                entry_point: Some("fs_main"),
                compilation_options: wgpu::PipelineCompilationOptions::default(),
                targets: &[Some(wgpu::ColorTargetState {
                    format,
                    blend: None,
                    write_mask: wgpu::ColorWrites::ALL,
                })],
            }),
            multiview_mask: None,
            cache: None,
        });
        Self { pipeline, layout }
    }

    /// A bind group for one view: its uniform buffer and two images.
    #[must_use]
    pub fn bind_group(
        &self,
        device: &wgpu::Device,
        params: &wgpu::Buffer,
        base: &wgpu::TextureView,
        extra: &wgpu::TextureView,
    ) -> wgpu::BindGroup {
        device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("advlens view"),
            layout: &self.layout,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: params.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: wgpu::BindingResource::TextureView(base),
                },
                wgpu::BindGroupEntry {
                    binding: 2,
                    resource: wgpu::BindingResource::TextureView(extra),
                },
            ],
        })
    }
}

/// Uploads a grey image as an `R32Float` texture.
#[must_use]
pub fn upload_image(
    device: &wgpu::Device,
    queue: &wgpu::Queue,
    image: &GreyImage,
) -> wgpu::TextureView {
    let size = wgpu::Extent3d {
        width: image.width.max(1) as u32,
        height: image.height.max(1) as u32,
        depth_or_array_layers: 1,
    };
    let texture = device.create_texture(&wgpu::TextureDescriptor {
        label: Some("advlens image"),
        size,
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: wgpu::TextureFormat::R32Float,
        usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
        view_formats: &[],
    });
    let mut pixels = image.pixels.clone();
    pixels.resize((size.width * size.height) as usize, 0.0);
    queue.write_texture(
        wgpu::TexelCopyTextureInfo {
            texture: &texture,
            mip_level: 0,
            origin: wgpu::Origin3d::ZERO,
            aspect: wgpu::TextureAspect::All,
        },
        bytemuck::cast_slice(&pixels),
        wgpu::TexelCopyBufferLayout {
            offset: 0,
            bytes_per_row: Some(4 * size.width),
            rows_per_image: Some(size.height),
        },
        size,
    );
    texture.create_view(&wgpu::TextureViewDescriptor::default())
}

/// One view's GPU objects.
struct ViewSlot {
    params: wgpu::Buffer,
    bind_group: wgpu::BindGroup,
}

/// Everything the callbacks need, kept in egui-wgpu's callback resources.
pub struct ViewResources {
    pipeline: ColormapPipeline,
    slots: HashMap<u64, ViewSlot>,
}

/// Registers the pipeline with egui's renderer (once, at start-up).
pub fn install(render_state: &egui_wgpu::RenderState) {
    let pipeline = ColormapPipeline::new(&render_state.device, render_state.target_format);
    render_state
        .renderer
        .write()
        .callback_resources
        .insert(ViewResources {
            pipeline,
            slots: HashMap::new(),
        });
}

/// Uploads the images of one view (`key` identifies view and result) if not there yet.
pub fn prepare_view(
    render_state: &egui_wgpu::RenderState,
    key: u64,
    base: &GreyImage,
    extra: &GreyImage,
) {
    let mut renderer = render_state.renderer.write();
    let Some(resources) = renderer.callback_resources.get_mut::<ViewResources>() else {
        return;
    };
    if resources.slots.contains_key(&key) {
        return;
    }
    let device = &render_state.device;
    let base_view = upload_image(device, &render_state.queue, base);
    let extra_view = upload_image(device, &render_state.queue, extra);
    let params = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("advlens view params"),
        size: std::mem::size_of::<ShaderParams>() as u64,
        usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    let bind_group = resources
        .pipeline
        .bind_group(device, &params, &base_view, &extra_view);
    resources.slots.insert(key, ViewSlot { params, bind_group });
}

/// Drops the GPU objects of the views of `slot` (keys ≡ `slot` mod 2: the current result's or
/// a pinned one's) that are not in `keep`; the other slot's stay.
pub fn retain_views(render_state: &egui_wgpu::RenderState, slot: u64, keep: &[u64]) {
    let mut renderer = render_state.renderer.write();
    if let Some(resources) = renderer.callback_resources.get_mut::<ViewResources>() {
        resources
            .slots
            .retain(|key, _| key % 2 != slot || keep.contains(key));
    }
}

/// The paint callback of one view.
pub struct ViewCallback {
    /// Which uploaded view.
    pub key: u64,
    /// Its parameters this frame.
    pub params: ShaderParams,
}

impl CallbackTrait for ViewCallback {
    fn prepare(
        &self,
        _device: &wgpu::Device,
        queue: &wgpu::Queue,
        _screen_descriptor: &egui_wgpu::ScreenDescriptor,
        _egui_encoder: &mut wgpu::CommandEncoder,
        resources: &mut CallbackResources,
    ) -> Vec<wgpu::CommandBuffer> {
        if let Some(slot) = resources
            .get::<ViewResources>()
            .and_then(|r| r.slots.get(&self.key))
        {
            queue.write_buffer(&slot.params, 0, bytemuck::bytes_of(&self.params));
        }
        Vec::new()
    }

    fn paint(
        &self,
        _info: eframe::egui::PaintCallbackInfo,
        render_pass: &mut wgpu::RenderPass<'static>,
        resources: &CallbackResources,
    ) {
        let Some(view_resources) = resources.get::<ViewResources>() else {
            return;
        };
        let Some(slot) = view_resources.slots.get(&self.key) else {
            return;
        };
        render_pass.set_pipeline(&view_resources.pipeline.pipeline);
        render_pass.set_bind_group(0, &slot.bind_group, &[]);
        render_pass.draw(0..4, 0..1);
    }
}
