// Colour-maps one scan view inside an egui paint callback. CPU reference:
// `advlens::export::shade` (src/export/colormap.rs); a test renders this shader with wgpu and
// compares it with that function pixel by pixel.
//
// mode 0: grey image; mode 1: diverging blue–white–red of `extra` scaled by `scale`;
// mode 2: viridis Grad-CAM `extra` blended over the grey image with `opacity`.

struct Params {
    uv_min: vec2<f32>,
    uv_max: vec2<f32>,
    mode: u32,
    _pad: u32,
    scale: f32,
    opacity: f32,
};

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var base_tex: texture_2d<f32>;
@group(0) @binding(2) var extra_tex: texture_2d<f32>;

struct VertexOut {
    @builtin(position) position: vec4<f32>,
    @location(0) uv: vec2<f32>,
};

@vertex
fn vs_main(@builtin(vertex_index) index: u32) -> VertexOut {
    let corner = vec2<f32>(f32(index & 1u), f32(index >> 1u));
    var out: VertexOut;
    out.position = vec4<f32>(corner.x * 2.0 - 1.0, 1.0 - corner.y * 2.0, 0.0, 1.0);
    out.uv = mix(params.uv_min, params.uv_max, corner);
    return out;
}

// Viridis sampled at nine points, as in the CPU reference.
const VIRIDIS = array<vec3<f32>, 9>(
    vec3<f32>(68.0, 1.0, 84.0),
    vec3<f32>(71.0, 44.0, 122.0),
    vec3<f32>(59.0, 81.0, 139.0),
    vec3<f32>(44.0, 113.0, 142.0),
    vec3<f32>(33.0, 144.0, 141.0),
    vec3<f32>(39.0, 173.0, 129.0),
    vec3<f32>(92.0, 200.0, 99.0),
    vec3<f32>(170.0, 220.0, 50.0),
    vec3<f32>(253.0, 231.0, 37.0),
);

const NEGATIVE = vec3<f32>(33.0, 102.0, 172.0);
const ZERO = vec3<f32>(247.0, 247.0, 247.0);
const POSITIVE = vec3<f32>(178.0, 24.0, 43.0);

fn to_byte(colour: vec3<f32>) -> vec3<f32> {
    return clamp(round(colour), vec3<f32>(0.0), vec3<f32>(255.0));
}

fn viridis(value: f32) -> vec3<f32> {
    let position = clamp(value, 0.0, 1.0) * 8.0;
    let index = min(u32(floor(position)), 7u);
    let t = position - f32(index);
    return to_byte(mix(VIRIDIS[index], VIRIDIS[index + 1u], t));
}

fn diverging(value: f32, scale: f32) -> vec3<f32> {
    var t = 0.0;
    if (scale > 0.0) {
        t = clamp(value / scale, -1.0, 1.0);
    }
    if (t < 0.0) {
        return to_byte(mix(ZERO, NEGATIVE, -t));
    }
    return to_byte(mix(ZERO, POSITIVE, t));
}

fn overlay(grey: f32, cam: f32, opacity: f32) -> vec3<f32> {
    let weight = clamp(opacity * clamp(cam, 0.0, 1.0), 0.0, 1.0);
    let grey_rgb = vec3<f32>(clamp(grey, 0.0, 1.0) * 255.0);
    return to_byte(mix(grey_rgb, viridis(cam), weight));
}

@fragment
fn fs_main(in: VertexOut) -> @location(0) vec4<f32> {
    let size = vec2<f32>(textureDimensions(base_tex));
    let texel = vec2<i32>(clamp(floor(in.uv * size), vec2<f32>(0.0), size - 1.0));
    let grey = textureLoad(base_tex, texel, 0).r;
    let extra = textureLoad(extra_tex, texel, 0).r;
    var rgb: vec3<f32>;
    switch params.mode {
        case 1u: {
            rgb = diverging(extra, params.scale);
        }
        case 2u: {
            rgb = overlay(grey, extra, params.opacity);
        }
        default: {
            rgb = to_byte(vec3<f32>(clamp(grey, 0.0, 1.0) * 255.0));
        }
    }
    return vec4<f32>(rgb / 255.0, 1.0);
}
