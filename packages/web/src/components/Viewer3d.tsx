import { useEffect, useRef, useState } from 'react';
import * as THREE from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';

/** The loaders three.js has for the formats assetd imports (VOX aside: it has no mesh to show). */
async function load(url: string, format: string): Promise<THREE.Object3D> {
  const material = () => new THREE.MeshStandardMaterial({ color: 0xb8c0cc, roughness: 0.6, metalness: 0.1 });
  switch (format) {
    case 'glb':
    case 'gltf': {
      const { GLTFLoader } = await import('three/examples/jsm/loaders/GLTFLoader.js');
      return (await new GLTFLoader().loadAsync(url)).scene;
    }
    case 'obj': {
      const { OBJLoader } = await import('three/examples/jsm/loaders/OBJLoader.js');
      return new OBJLoader().loadAsync(url);
    }
    case 'stl': {
      const { STLLoader } = await import('three/examples/jsm/loaders/STLLoader.js');
      const geometry = await new STLLoader().loadAsync(url);
      geometry.computeVertexNormals();
      return new THREE.Mesh(geometry, material());
    }
    case 'ply': {
      const { PLYLoader } = await import('three/examples/jsm/loaders/PLYLoader.js');
      const geometry = await new PLYLoader().loadAsync(url);
      geometry.computeVertexNormals();
      return new THREE.Mesh(geometry, material());
    }
    case 'fbx': {
      const { FBXLoader } = await import('three/examples/jsm/loaders/FBXLoader.js');
      return new FBXLoader().loadAsync(url);
    }
    default:
      throw new Error(`No 3D viewer for ${format || 'this format'}`);
  }
}

/**
 * An orbitable view of a model: three.js with its own loaders, framed on the model's bounds.
 * Rendering runs only while the camera moves (controls' change events), so an open model costs
 * no frames while it sits still.
 */
export default function Viewer3d(props: { url: string; format: string; poster: string | undefined }) {
  const host = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string>();

  useEffect(() => {
    const element = host.current;
    if (!element) return;
    let renderer: THREE.WebGLRenderer;
    try {
      renderer = new THREE.WebGLRenderer({ antialias: true, alpha: true });
    } catch {
      setError('This browser cannot show 3D (no WebGL).');
      return;
    }
    let disposed = false;
    const scene = new THREE.Scene();
    scene.add(new THREE.HemisphereLight(0xffffff, 0x444444, 2.5));
    const sun = new THREE.DirectionalLight(0xffffff, 2);
    sun.position.set(3, 5, 4);
    scene.add(sun);
    const camera = new THREE.PerspectiveCamera(45, 1, 0.01, 1000);
    const controls = new OrbitControls(camera, renderer.domElement);
    const render = () => renderer.render(scene, camera);
    controls.addEventListener('change', render);
    renderer.setPixelRatio(Math.min(2, window.devicePixelRatio));
    renderer.domElement.setAttribute('aria-label', '3D model viewer: drag to turn, scroll to zoom');
    renderer.domElement.setAttribute('role', 'img');
    element.appendChild(renderer.domElement);
    const resize = () => {
      const { clientWidth: width, clientHeight: height } = element;
      renderer.setSize(width, height);
      camera.aspect = width / Math.max(1, height);
      camera.updateProjectionMatrix();
      render();
    };
    const observer = new ResizeObserver(resize);
    observer.observe(element);

    load(props.url, props.format.toLowerCase())
      .then((model) => {
        if (disposed) return;
        const box = new THREE.Box3().setFromObject(model);
        const size = box.getSize(new THREE.Vector3()).length() || 1;
        const center = box.getCenter(new THREE.Vector3());
        model.position.sub(center);
        scene.add(model);
        camera.near = size / 100;
        camera.far = size * 100;
        camera.position.set(size * 0.6, size * 0.45, size * 0.9);
        camera.updateProjectionMatrix();
        controls.update();
        render();
      })
      .catch((caught: unknown) => {
        if (!disposed) setError(caught instanceof Error ? caught.message : String(caught));
      });

    return () => {
      disposed = true;
      observer.disconnect();
      controls.dispose();
      renderer.dispose();
      renderer.domElement.remove();
    };
  }, [props.url, props.format]);

  return (
    <div className="viewer3d" ref={host}>
      {error && (
        <div className="state" role="alert">
          {props.poster && <img src={props.poster} alt="A render of the model" />}
          <p>{error}</p>
        </div>
      )}
    </div>
  );
}
