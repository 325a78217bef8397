import type { Asset } from '@assetd/sdk';
import { lazy, Suspense, useState } from 'react';

// three.js is most of the app's weight: it loads only when a 3D asset is opened.
const Viewer3d = lazy(() => import('./Viewer3d.tsx'));

const ZOOMS = [
  { label: 'Fit', value: 0 },
  { label: '100%', value: 1 },
  { label: '200%', value: 2 },
] as const;

/** The large preview of the detail view, by kind. */
export function Preview(props: { asset: Asset }) {
  const { asset } = props;
  switch (asset.kind) {
    case 'image':
      return <ZoomableImage asset={asset} />;
    case 'video':
      return (
        <div className="media">
          {/* biome-ignore lint/a11y/useMediaCaption: user uploads come without captions */}
          <video controls preload="metadata" src={asset.url} poster={asset.thumbnail?.url} aria-label={`Video ${asset.metadata.name}`} />
          {(asset.firstFrame || asset.lastFrame) && (
            <div className="frames">
              {asset.firstFrame && (
                <figure>
                  <img className="frame" src={asset.firstFrame.url} alt="First frame" />
                  <figcaption>First frame</figcaption>
                </figure>
              )}
              {asset.lastFrame && (
                <figure>
                  <img className="frame" src={asset.lastFrame.url} alt="Last frame" />
                  <figcaption>Last frame</figcaption>
                </figure>
              )}
            </div>
          )}
        </div>
      );
    case 'audio':
      return (
        <div className="media audio">
          <span className="thumb-icon" aria-hidden="true">
            ♪
          </span>
          {/* biome-ignore lint/a11y/useMediaCaption: user uploads come without captions */}
          <audio controls preload="metadata" src={asset.url} aria-label={`Audio ${asset.metadata.name}`} />
        </div>
      );
    case '3d':
      return (
        <Suspense fallback={<p className="state">Loading the 3D viewer…</p>}>
          <Viewer3d
            url={asset.url}
            format={String(asset.properties.format ?? asset.metadata.name.split('.').pop() ?? '')}
            poster={asset.preview?.url}
          />
        </Suspense>
      );
    default:
      return <p className="state">No preview for this kind of asset.</p>;
  }
}

function ZoomableImage(props: { asset: Asset }) {
  const [zoom, setZoom] = useState<number>(0);
  const { asset } = props;
  const width = asset.metadata.width;
  return (
    <div className="zoomable">
      <div className="zoom-controls" role="toolbar" aria-label="Zoom">
        {ZOOMS.map((each) => (
          <button key={each.label} type="button" aria-pressed={zoom === each.value} onClick={() => setZoom(each.value)}>
            {each.label}
          </button>
        ))}
      </div>
      <div className={zoom === 0 ? 'zoom-view fit' : 'zoom-view'}>
        <button
          type="button"
          className="zoom-target"
          aria-label={zoom === 0 ? 'Zoom in' : 'Fit to the view'}
          onClick={() => setZoom(zoom === 0 ? 1 : 0)}
        >
          <img
            src={asset.url}
            alt={asset.metadata.name}
            style={zoom === 0 || !width ? undefined : { width: width * zoom, maxWidth: 'none' }}
          />
        </button>
      </div>
    </div>
  );
}
