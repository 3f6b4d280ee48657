// The steps `runtime.pipeline()` takes, as types. A step's kind is the key it is written with: `model`, `pre`,
// `split`, `post`, `join` or `gate` (a bare model is `{ model }`); pipeline-plan.ts checks them.
import type { ClassesPost, ImagePre, Processors, ValuesPost } from '../processors/spec.js';
import type { ValueInfo } from '../tensor.js';

/** What composing needs of a model: its signature, its processors and where it lives. */
export interface Composable {
  readonly id: string;
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  readonly isDisposed: boolean;
  readonly processors?: Processors | undefined;
}

/**
 * A model: each input takes the output of the step before with the same name, or the one `inputs` names. `each`: run
 * once per item of the list the step before made, all items in one batch when the model's first dimension is free.
 */
export interface ModelStep<M> {
  model: M;
  inputs?: Record<string, string>;
  /** @defaultValue false */
  each?: boolean;
}

/** An image → the input tensor: a model's image pre-processor (`{ pre: digits }`) or one written out. */
export interface PreStep<M> {
  pre: M | ImagePre;
  /** @defaultValue false */
  each?: boolean;
}

/**
 * An image → the list of its pieces between blank columns, left to right (as `predict(image, { split: 'columns' })`
 * cuts it). A column is blank when no pixel's gray level (after `invert`) is above `threshold`.
 */
export interface SplitStep {
  split: 'columns';
  /** Blank columns that still join two runs of ink. @defaultValue 2 */
  minGap?: number;
  /** @defaultValue the next step's pre-processor's, when it is a pre step; else 20 */
  threshold?: number;
  /** @defaultValue the next step's pre-processor's, when it is a pre step; else false */
  invert?: boolean;
}

/** A model's outputs → an answer: a model's post-processor (`{ post: digits }`) or one written out; it reads the first row. */
export interface PostStep<M> {
  post: M | ClassesPost | ValuesPost;
  /** Overrides a classes post-processor's `topK`. */
  topK?: number;
  /** @defaultValue false */
  each?: boolean;
}

/** A list of answers → one `{ type: 'sequence', text, items }`: their labels joined, as `predict()`'s split answers. */
export interface JoinStep {
  join: 'labels';
  /** @defaultValue '' */
  separator?: string;
}

/**
 * Speech frames only: PCM pushed to `pipeline.stream()` runs through a voice-activity model (audio pre, one-score
 * classes post, e.g. the bundled VAD) and the frames whose speech probability is at least `threshold` go on, as their
 * samples at the VAD's rate (input name `samples`, [1, frame]); the others are dropped. Only as the first step.
 */
export interface GateStep<M> {
  gate: M;
  /** @defaultValue the VAD post-processor's `threshold` (0.5 for the bundled VAD) */
  threshold?: number;
}

/** A pipeline step; its kind is the key it is written with (a bare model is `{ model }`). */
export type PipelineStep<M extends Composable = Composable> = M | ModelStep<M> | PreStep<M> | SplitStep | PostStep<M> | JoinStep | GateStep<M>;

export type PipelineStepKind = 'model' | 'pre' | 'split' | 'post' | 'join' | 'gate';
